<?php
// Router for `php -S` in the Seedbank MediaWiki test harness (see mediawiki.ts).
//
// - /wikipedia/... is served from the upload directory by this script, with Content-Length,
//   Accept-Ranges and single-range support (206 / 416): php -S's own static file serving
//   has no Range support.
// - Everything else is left to php -S (`return false`), which runs api.php, index.php, ...
// - If SEEDBANK_WIKI_REQUEST_LOG is set, one JSON line per request is appended to it
//   *before* the response body is sent, so a client that has seen the response headers
//   can rely on the line being there.

$uploadPrefix = '/wikipedia/';
$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
$rawPath = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$path = rawurldecode(is_string($rawPath) ? $rawPath : '/');
$range = $_SERVER['HTTP_RANGE'] ?? null;

function seedbank_log_request(string $method, string $path, ?string $range, ?int $status): void
{
    $log = getenv('SEEDBANK_WIKI_REQUEST_LOG');
    if ($log === false || $log === '') {
        return;
    }
    $entry = ['method' => $method, 'path' => $path];
    $query = parse_url($_SERVER['REQUEST_URI'] ?? '', PHP_URL_QUERY);
    if (is_string($query) && $query !== '') {
        $entry['query'] = $query;
    }
    if ($range !== null) {
        $entry['range'] = $range;
    }
    if ($status !== null) {
        $entry['status'] = $status;
    }
    $line = json_encode($entry, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n";
    file_put_contents($log, $line, FILE_APPEND | LOCK_EX);
}

if (strncmp($path, $uploadPrefix, strlen($uploadPrefix)) !== 0) {
    seedbank_log_request($method, $path, $range, null);
    return false; // MediaWiki entry points and static resources: php -S handles them
}

function seedbank_fail(int $status, string $message): void
{
    http_response_code($status);
    header('Content-Type: text/plain; charset=utf-8');
    header('Content-Length: ' . strlen($message));
    echo $message;
}

$segments = explode('/', $path);
if (strpos($path, "\0") !== false || in_array('..', $segments, true)) {
    seedbank_log_request($method, $path, $range, 400);
    seedbank_fail(400, "Bad path\n");
    return true;
}

$file = $_SERVER['DOCUMENT_ROOT'] . $path;
if (!is_file($file) || !is_readable($file)) {
    seedbank_log_request($method, $path, $range, 404);
    seedbank_fail(404, "Not found: $path\n");
    return true;
}

$size = filesize($file);
$start = 0;
$end = $size - 1;
$status = 200;
// Only a single "bytes=a-b" / "bytes=a-" / "bytes=-n" range is honoured; anything else
// (multiple ranges, other units, garbage) gets the whole file, as RFC 9110 allows.
if ($range !== null && preg_match('/^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i', $range, $m)
    && ($m[1] !== '' || $m[2] !== '')) {
    if ($m[1] === '') {
        $suffix = (int)$m[2];
        $start = $suffix >= $size ? 0 : $size - $suffix;
        $satisfiable = $suffix > 0 && $size > 0;
    } else {
        $start = (int)$m[1];
        if ($m[2] !== '') {
            $end = min((int)$m[2], $size - 1);
        }
        $satisfiable = $start < $size && $start <= (int)($m[2] === '' ? $start : $m[2]);
    }
    if (!$satisfiable) {
        seedbank_log_request($method, $path, $range, 416);
        http_response_code(416);
        header("Content-Range: bytes */$size");
        header('Content-Length: 0');
        return true;
    }
    $status = 206;
}

$types = [
    'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg', 'png' => 'image/png', 'gif' => 'image/gif',
    'webp' => 'image/webp', 'tif' => 'image/tiff', 'tiff' => 'image/tiff', 'svg' => 'image/svg+xml',
    'pdf' => 'application/pdf', 'ogg' => 'application/ogg', 'oga' => 'audio/ogg', 'ogv' => 'video/ogg',
    'webm' => 'video/webm',
];
$ext = strtolower(pathinfo($file, PATHINFO_EXTENSION));
$length = $end - $start + 1;

seedbank_log_request($method, $path, $range, $status);
http_response_code($status);
header('Content-Type: ' . ($types[$ext] ?? 'application/octet-stream'));
header('Accept-Ranges: bytes');
header('Last-Modified: ' . gmdate('D, d M Y H:i:s', filemtime($file)) . ' GMT');
header("Content-Length: $length");
if ($status === 206) {
    header("Content-Range: bytes $start-$end/$size");
}
if ($method === 'HEAD') {
    return true;
}

set_time_limit(0);
$fh = fopen($file, 'rb');
fseek($fh, $start);
$left = $length;
while ($left > 0 && !feof($fh)) {
    $chunk = fread($fh, min(262144, $left));
    if ($chunk === false || $chunk === '') {
        break;
    }
    echo $chunk;
    $left -= strlen($chunk);
}
fclose($fh);
return true;
