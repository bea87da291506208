// The catalogue's whole stylesheet, embedded in every page: no CDN, no web fonts, nothing
// fetched from anywhere, and small enough (a few kB) that inlining beats a second request.

/** The CSS for every page: system fonts, one accent colour, light and dark schemes. */
export const STYLESHEET = `
:root{--bg:#f6f7f9;--card:#fff;--text:#1c2430;--muted:#5b6675;--line:#dde2e8;--accent:#0b6e69;
--accent-weak:#e3f2f1;--high:#b42318;--high-bg:#fde8e6;--mid:#8a5300;--mid-bg:#fdf1dc;--low:#17663a;--low-bg:#e3f4e9;
--radius:10px;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#11161c;--card:#1a2129;--text:#e6ebf0;--muted:#9aa6b2;--line:#2c3640;
--accent:#5cc8c0;--accent-weak:#173331;--high:#ff8a80;--high-bg:#3a1a17;--mid:#f5c26b;--mid-bg:#3a2c12;--low:#7ed99f;--low-bg:#15301f}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
"DejaVu Sans",sans-serif}
a{color:var(--accent)}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.88em}
.wrap{max-width:1160px;margin:0 auto;padding:0 20px}
.skip{position:absolute;left:-999px;top:8px;background:var(--card);padding:8px 12px;z-index:9}
.skip:focus{left:8px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.site{background:var(--card);border-bottom:1px solid var(--line)}
header.site .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:12px 24px;padding-top:12px;padding-bottom:12px}
.brand{font-weight:700;font-size:1.15rem;color:var(--text);text-decoration:none;display:flex;align-items:center;gap:8px}
.brand svg{flex:none}
.site nav ul{display:flex;gap:16px;list-style:none;margin:0;padding:0}
.site nav a{text-decoration:none;font-weight:500}
.site-search{margin-left:auto;display:flex;gap:6px}
input,select,button{font:inherit;color:inherit}
input[type=search],select{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 10px;min-width:0}
input[type=search]{width:min(320px,60vw)}
select{max-width:14rem}
.filters input[type=search]{width:18rem}
time{white-space:nowrap}
button{background:var(--accent);color:#fff;border:0;border-radius:8px;padding:6px 14px;font-weight:600;cursor:pointer}
@media (prefers-color-scheme:dark){button{color:#0b1a19}}
main.wrap{padding-top:24px;padding-bottom:48px}
h1{font-size:1.7rem;line-height:1.25;margin:0 0 6px}
h2{font-size:1.2rem;margin:32px 0 10px}
h3{font-size:1rem;margin:16px 0 6px}
.lede{color:var(--muted);margin:0 0 20px;max-width:75ch}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:16px 18px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:0;padding:0}
.stats>div{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:12px 16px}
.stats dt{color:var(--muted);font-size:.85rem}
.stats dd{margin:2px 0 0;font-size:1.35rem;font-weight:650;font-variant-numeric:tabular-nums}
.stats dd small{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
.alert{border-left:4px solid var(--high);background:var(--high-bg);padding:10px 14px;border-radius:6px;margin:14px 0}
.ok{border-left:4px solid var(--low);background:var(--low-bg);padding:10px 14px;border-radius:6px;margin:14px 0}
.meter{height:8px;background:var(--line);border-radius:4px;overflow:hidden;margin-top:6px}
.meter span{display:block;height:100%;background:var(--accent)}
.filters{display:flex;flex-wrap:wrap;align-items:flex-end;gap:10px 14px;margin:20px 0 12px}
.filters .field{display:flex;flex-direction:column;gap:3px}
.filters label{font-size:.85rem;color:var(--muted)}
.table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:var(--radius)}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;padding:10px 14px;color:var(--muted);font-size:.9rem}
th,td{padding:9px 14px;border-top:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--bg);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
tbody th{font-weight:400}
tbody tr:hover{background:var(--accent-weak)}
.set-title{font-weight:600}
.sub{display:block;color:var(--muted);font-size:.82rem}
.tags{display:flex;flex-wrap:wrap;gap:4px;margin:4px 0 0;padding:0;list-style:none}
.tag{display:inline-block;background:var(--accent-weak);color:var(--accent);border-radius:999px;padding:0 9px;font-size:.78rem;
text-decoration:none;max-width:28ch;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:.8rem;font-weight:600;white-space:nowrap}
.badge.high{background:var(--high-bg);color:var(--high)}
.badge.medium{background:var(--mid-bg);color:var(--mid)}
.badge.low{background:var(--low-bg);color:var(--low)}
.under{color:var(--high);font-weight:600}
.grid-2{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
figure{margin:0}
figure svg,figure img{display:block;width:100%;height:auto}
figcaption{color:var(--muted);font-size:.85rem;margin-top:6px}
.mosaic img{width:auto;max-width:100%;border-radius:6px;background:var(--line)}
dl.recipe{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.recipe dt{color:var(--muted)}
dl.recipe dd{margin:0;overflow-wrap:anywhere}
pre{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:12px;overflow:auto;max-height:360px}
details{margin:4px 0}
summary{cursor:pointer;color:var(--accent)}
details ul{margin:6px 0;padding-left:20px;max-height:240px;overflow:auto;overflow-wrap:anywhere}
.hash{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.82rem;overflow-wrap:anywhere}
.info-hash{user-select:all;-webkit-user-select:all;word-break:break-all;min-width:12ch}
.actions{display:flex;flex-wrap:wrap;gap:8px}
.button-link{display:inline-block;border:1px solid var(--accent);border-radius:8px;padding:2px 10px;text-decoration:none;
font-size:.85rem;white-space:nowrap}
.feeds{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0;margin:0}
.empty{color:var(--muted);font-style:italic}
.breadcrumb{font-size:.88rem;color:var(--muted);margin-bottom:8px}
.plot .axis{stroke:var(--muted);stroke-width:1}
.plot .grid{stroke:var(--line);stroke-width:1}
.plot .tick{fill:var(--muted);font-size:12px}
.plot .chart-title{fill:var(--text);font-size:14px;font-weight:650}
.plot .line{fill:none;stroke:var(--accent);stroke-width:2.5;stroke-linejoin:round}
.plot .area{fill:var(--accent-weak)}
.plot .dot{fill:var(--accent)}
.plot .bar{fill:var(--accent)}
.plot .bar.under{fill:var(--high)}
.plot .value{fill:var(--text);font-size:12px;font-weight:600}
.plot .target{stroke:var(--mid);stroke-width:2;stroke-dasharray:5 4}
.plot .target-label{fill:var(--mid);font-size:12px;font-weight:600}
.plot .empty-note{fill:var(--muted);font-size:14px;paint-order:stroke;stroke:var(--card);stroke-width:8px;stroke-linejoin:round}
footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.85rem;padding:18px 0 28px}
pre.command{margin:8px 0 12px;padding:10px 12px;background:var(--bg);border:1px solid var(--line);border-radius:8px;
white-space:pre-wrap;overflow-wrap:anywhere}
pre.command code{user-select:all;-webkit-user-select:all}
.act{margin-top:16px}
.action h3{margin-top:0}
.action p{margin:6px 0}
.licences{margin:0 0 12px}
.licences h3{margin:0 0 6px}
.licences ul{display:flex;flex-wrap:wrap;gap:8px 24px;list-style:none;margin:0 0 6px;padding:0}
.licence{font-weight:600}
.filters .check{flex-direction:row;align-items:center;gap:6px}
.pager{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:12px 0}
.file-about{display:grid;grid-template-columns:minmax(0,auto) minmax(0,1fr);gap:16px;align-items:start}
.file-about>:only-child{grid-column:1/-1}
.thumb{padding:8px;text-align:center}
.thumb img{display:block;max-width:min(330px,100%);height:auto;margin:0 auto}
.thumb figcaption{font-size:.8rem;color:var(--muted);margin-top:4px}
.recipe dd{overflow-wrap:anywhere}
@media (max-width:640px){.site-search{margin-left:0;width:100%}.site-search input{flex:1}h1{font-size:1.4rem}
.wrap{padding:0 12px}
.filters input[type=search]{width:100%}.filters .field{flex:1 1 100%}
.file-about{grid-template-columns:minmax(0,1fr)}
table.stack,table.stack tbody,table.stack tr{display:block;width:100%}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.stack caption{display:block}
table.stack tr{display:flex;flex-direction:column;border-top:1px solid var(--line);padding:8px 0}
table.stack th,table.stack td{display:block;border:0;padding:2px 14px;text-align:left;white-space:normal;overflow-wrap:anywhere}
table.stack .key{order:-1}
table.stack tbody th{order:-2;font-weight:600}
table.stack td[data-label]::before{content:attr(data-label);display:inline-block;min-width:10.5em;margin-right:.6em;color:var(--muted);
font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
table.stack td .sub{display:inline;margin-left:6px}
table.stack.compact tr{flex-direction:row;flex-wrap:wrap;gap:0 14px;padding:8px 14px}
table.stack.compact tbody th{flex:1 1 100%;padding:0}
table.stack.compact td{padding:0}
table.stack.compact td[data-label]::before{min-width:0;margin-right:.3em}}
`;
