/**
 * `--only` patterns on titles: `*` any run of characters, `?` one character, `[abc]` a class;
 * matched against the title with and without `File:`, spaces and underscores alike,
 * case-sensitively except for the first letter (as MediaWiki titles are).
 */

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/\\/g, '\\\\').replace(/^!/, '^')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u');
}

/** A predicate on titles for a glob pattern. */
export function titleMatcher(pattern: string): (title: string) => boolean {
  const norm = (t: string) => t.replace(/_/g, ' ');
  const bare = norm(pattern).replace(/^File:/i, '');
  const re = globToRegExp(bare.charAt(0).toUpperCase() + bare.slice(1));
  return (title) => re.test(norm(title).replace(/^File:/i, ''));
}
