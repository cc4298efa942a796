// The report's stylesheet: light, dense, readable; one colour per service comes from the script.
export const styles = `
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f5f6f8}
button{font:inherit;cursor:pointer;border:1px solid #c9ced8;background:#fff;border-radius:4px;padding:2px 8px;color:inherit}
button:disabled{opacity:.45;cursor:default}
input,select{font:inherit;border:1px solid #c9ced8;border-radius:4px;padding:3px 6px;background:#fff}
table{border-collapse:collapse}
.app{display:flex;flex-direction:column;height:100vh}
.top{display:flex;gap:16px;align-items:baseline;padding:8px 16px;background:#1d2330;color:#e8ebf1;flex-wrap:wrap}
.top h1{font-size:16px;margin:0;letter-spacing:.5px}
.top .muted{color:#9aa3b5}
.top .bad{color:#ff9b9b}
.tabs{display:flex;gap:2px;padding:0 16px;background:#e4e7ec;border-bottom:1px solid #c9ced8}
.tabs button,.panes button{border:none;border-radius:0;background:none;padding:7px 14px;border-bottom:2px solid transparent}
.tabs button.on,.panes button.on{border-bottom-color:#3b6fd8;color:#1b4fb8;font-weight:600}
main{flex:1;min-height:0;display:flex;flex-direction:column;padding:10px 16px}
main>section{flex:1;min-height:0;display:flex;flex-direction:column}
.muted{color:#6b7385}
.bad{color:#c62828;font-weight:600}
.cold{color:#1565c0;font-weight:600}
.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12px}
.num{text-align:right;font-variant-numeric:tabular-nums}
.empty{color:#6b7385;padding:24px;text-align:center}
.count{color:#6b7385;white-space:nowrap}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px;flex:none}
.chip{display:inline-block;font-style:normal;font-size:11px;padding:0 6px;border-radius:8px;margin-right:4px;color:#111;white-space:nowrap}
.filters{display:flex;gap:14px;align-items:center;flex-wrap:wrap;padding:6px 0 10px}
.filters label{display:flex;gap:6px;align-items:center;white-space:nowrap}
.filters .grow{flex:1;min-width:220px}
.filters .grow input{flex:1}
.filters .narrow{width:90px}
.trace-grid{display:grid;grid-template-columns:190px minmax(160px,2fr) minmax(120px,1.5fr) 56px 80px 80px 56px minmax(160px,2fr) 50px;gap:10px;align-items:center;padding:0 8px}
.grid-head{background:#e4e7ec;border:1px solid #c9ced8;border-bottom:none}
.grid-head,.wf-head{overflow:hidden;scrollbar-gutter:stable}
.sort{border:none;background:none;padding:5px 0;text-align:left;font-weight:600}
th .sort{width:100%;text-align:inherit}
.sort.on{color:#1b4fb8}
.vrows{flex:1;min-height:0;overflow:auto;scrollbar-gutter:stable;background:#fff;border:1px solid #c9ced8;position:relative}
.vrows-space{position:relative}
.trace-row{height:28px;border-bottom:1px solid #eef0f3;cursor:pointer;white-space:nowrap}
.trace-row:hover{background:#eef3fd}
.trace-row>span{overflow:hidden;text-overflow:ellipsis}
.trace-row .services{overflow:hidden}
.trace{gap:8px}
.trace-head{display:flex;gap:14px;align-items:baseline;flex-wrap:wrap}
.trace-head h2{font-size:16px;margin:0;max-width:40vw;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.panes{margin-left:auto;display:flex}
.trace-body{flex:1;min-height:0;display:grid;grid-template-columns:1fr;gap:10px}
.trace-body.with-details{grid-template-columns:minmax(0,1fr) min(380px,36%)}
.trace-body>section{display:flex;flex-direction:column;min-height:0}
.toolbar{display:flex;gap:8px;align-items:center;padding-bottom:6px;flex-wrap:wrap}
.wf-search{width:300px}
.legend{color:#6b7385;display:flex;gap:6px;align-items:center;flex-wrap:wrap;margin-left:auto}
.badge{font-size:10px;font-weight:700;padding:0 4px;border-radius:3px;margin-left:5px;flex:none;letter-spacing:.3px}
.badge.err{background:#fde2e2;color:#b71c1c}
.badge.cold{background:#dceafd;color:#0d47a1}
.badge.async{background:#fff0d6;color:#9a5b00}
.badge.link{background:#ece3fb;color:#5b2ca0}
.badge.orphan{background:#eee;color:#555;margin-left:0}
.badge.fail-throttle{background:#fff0d6;color:#9a5b00;margin-left:0}
.badge.fail-4xx{background:#fdf3c4;color:#6d5300;margin-left:0}
.badge.fail-5xx,.badge.fail-error{background:#fde2e2;color:#b71c1c;margin-left:0}
.bar-key{display:inline-block;width:22px;height:8px;border-radius:2px;background:#9aa3b5}
.bar-key.crit{box-shadow:0 0 0 2px #1d2330}
.wf-grid{display:flex;align-items:center}
.wf-grid>.wf-name{flex:0 0 max(260px,38%)}
.wf-grid>.wf-time{flex:1 1 0}
.wf-head{background:#e4e7ec;border:1px solid #c9ced8;border-bottom:none;height:26px}
.wf-head .wf-name{padding-left:8px;font-weight:600}
.wf-time{position:relative;height:100%;margin-right:60px;margin-left:8px}
.wf-head .wf-time{border-left:1px solid #c9ced8}
.tick{position:absolute;top:5px;font-size:11px;color:#6b7385;transform:translateX(-50%);white-space:nowrap}
.tick:first-child{transform:none}
.wf-row{height:26px;border-bottom:1px solid #f0f1f4;cursor:pointer;contain:strict}
.wf-row:hover{background:#f3f6fc}
.wf-row.selected{background:#dfe8fb}
.wf-row.match{background:#fff6c4}
.wf-row.match.selected{background:#ffe27a}
.wf-name{display:flex;align-items:center;min-width:0;white-space:nowrap;overflow:hidden;border-right:1px solid #e4e7ec;height:100%}
.wf-name .svc{color:#6b7385;margin-right:6px;flex:none;max-width:30%;overflow:hidden;text-overflow:ellipsis}
.wf-name .span-name{overflow:hidden;text-overflow:ellipsis;min-width:5em}
.wf-row.critical .span-name{font-weight:600}
.toggle{width:18px;flex:none;border:none;background:none;padding:0;color:#6b7385}
.hidden-count{margin-left:6px;color:#6b7385;font-size:11px}
.bar{position:absolute;top:7px;height:12px;border-radius:2px;opacity:.85}
.bar.crit{opacity:1;box-shadow:0 0 0 2px #1d2330}
.bar.err{background-image:repeating-linear-gradient(135deg,transparent 0 4px,rgba(198,40,40,.55) 4px 7px)!important}
.dur{position:absolute;top:5px;font-size:11px;color:#4a5262;padding:0 4px;white-space:nowrap}
.dur.inside{color:#1d2330;background:rgba(255,255,255,.8);border-radius:2px;margin-left:2px;line-height:14px;top:6px}
.wf-orphans{height:26px;display:flex;align-items:center;padding:0 8px;background:#fff3e0;color:#8a4b00;font-weight:600;border-top:2px solid #f0b060}
.details{overflow:auto;background:#fff;border:1px solid #c9ced8;padding:8px 12px}
.details header{display:flex;align-items:center;gap:4px}
.details h3{font-size:14px;margin:0;flex:1;overflow-wrap:anywhere}
.details h4{margin:12px 0 4px;font-size:12px;text-transform:uppercase;color:#6b7385;letter-spacing:.5px}
.close{border:none;font-size:18px;line-height:1}
.kv{width:100%;font-size:12px}
.kv th{text-align:left;font-weight:500;color:#4a5262;padding:2px 8px 2px 0;vertical-align:top;width:38%;word-break:break-word}
.kv td{padding:2px 0;overflow-wrap:anywhere;font-family:ui-monospace,Menlo,Consolas,monospace}
.kv pre.json{margin:0;font:inherit;white-space:pre-wrap}
.event{border-left:3px solid #e4e7ec;padding:2px 0 2px 8px;margin:4px 0}
.linkish{border:none;background:none;color:#1b4fb8;text-decoration:underline;padding:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.flame-scroll{flex:1;min-height:0;overflow:auto;background:#fff;border:1px solid #c9ced8;padding:4px}
.flame-area{position:relative;min-width:100%}
.flame-block{position:absolute;height:19px;font-size:11px;line-height:19px;padding:0 4px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;border-right:1px solid #fff;border-bottom:1px solid #fff;cursor:pointer;color:#111}
.flame-block:hover{filter:brightness(.92)}
.flame-block.critical{font-weight:600}
.flame-block.err{box-shadow:inset 0 -3px 0 #c62828}
.flame-block.selected{outline:2px solid #1d2330;z-index:1}
.map{overflow:auto}
.map .legend{margin:0 0 8px;justify-content:flex-start}
.map-svg{background:#fff;border:1px solid #c9ced8;flex:none;height:auto}
.map-node rect{fill:#fff;stroke:#9aa3b5;stroke-width:1.5}
.map-node rect.bad{stroke:#c62828;stroke-width:2}
.node-name{font-weight:700;font-size:13px;fill:#1d2330}
.node-stats{font-size:11px;fill:#4a5262}
.edge{fill:none;stroke-width:2}
.edge.sync{stroke:#5b6b8c}
.edge.async{stroke:#d08400;stroke-dasharray:6 4}
.edge.bad{stroke-width:3}
.head.sync{fill:#5b6b8c}
.head.async{fill:#d08400}
.edge-label{font-size:11px;fill:#1d2330;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:4px}
.chart{flex:none;background:#fff;border:1px solid #c9ced8;margin-bottom:8px;padding:4px 8px 0}
.chart-head{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.chart-plot{position:relative;cursor:crosshair;user-select:none;touch-action:none}
.chart-plot canvas{display:block}
.brush{position:absolute;background:rgba(59,111,216,.12);border:1px solid #3b6fd8;pointer-events:none}
.pick{background:#dfe8fb;border-radius:10px;padding:1px 4px 1px 10px;white-space:nowrap}
.pick button{border:none;background:none;padding:0 4px}
.map-body{display:flex;gap:10px;align-items:flex-start;min-height:0}
.map-body>.map-svg{flex:0 1 auto;min-width:0}
.map-details{flex:none;width:320px}
.map-edge,.map-node{cursor:pointer}
.edge-hit{fill:none;stroke:transparent;stroke-width:12}
.map-edge.picked .edge{stroke:#1b4fb8}
.map-node.picked rect:first-child{stroke:#1b4fb8;stroke-width:3}
.node-split{font-size:11px;fill:#b71c1c}
.histogram{display:flex;gap:3px;align-items:flex-end;padding:4px 0}
.histogram-bar{display:flex;flex-direction:column;align-items:center;font-size:10px;color:#4a5262;min-width:34px}
.histogram-bar i{display:block;width:22px;background:#3b6fd8;border-radius:2px 2px 0 0}
.histogram-le{white-space:nowrap}
.examples{margin-right:10px;white-space:nowrap}
.examples .linkish{margin-right:6px;font-family:inherit}
tr.operation{cursor:pointer}
tr.operation:hover,tr.operation.picked{background:#eef3fd}
.timeline h2{display:flex;align-items:center;gap:4px}
.tcell{width:120px}
.tbar{display:block;height:8px;border-radius:2px}
.tbar.count{background:#3b6fd8}
.tbar.errors{background:#c62828}
.tbar.p95{background:#9a5b00}
.summary-only{padding:12px 4px}
.summary-only h2{font-size:16px;margin:0 0 8px}
.stats,.trace-compare{overflow:auto}
.trace-stats,.trace-compare{flex:1;min-height:0}
.trace-stats{display:flex;flex-direction:column}
.stats-grid{display:grid;grid-template-columns:minmax(120px,1fr) minmax(200px,3fr) 60px repeat(4,90px) 110px;gap:10px;align-items:center;padding:0 8px}
.stats-row{height:26px;border-bottom:1px solid #eef0f3;white-space:nowrap}
.stats-row>span{overflow:hidden;text-overflow:ellipsis}
.stats-grid .sort.num{text-align:right}
.trace-compare h3{font-size:14px;margin:12px 0 4px}
.stats h2{font-size:15px;margin:12px 0 4px}
.table{background:#fff;border:1px solid #c9ced8;min-width:60%}
.table th,.table td{padding:4px 10px;border-bottom:1px solid #eef0f3;text-align:left}
.table th.num,.table td.num{text-align:right}
.table thead th{background:#e4e7ec}
.narrow-table{min-width:0}
`;
