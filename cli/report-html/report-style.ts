/** The job report's stylesheet (inlined; the page's content-security policy allows it by hash). */
export const REPORT_STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.note { color: #555; font-size: 0.9em; }
.error { color: #a00; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.figures div { border: 1px solid #ddd; border-radius: 6px; padding: 0.4rem 0.8rem; min-width: 7rem; }
.figures dt { color: #666; font-size: 0.85em; } .figures dd { margin: 0; font-size: 1.2em; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem; }
figure { margin: 0.5rem 0; } figcaption { font-weight: 600; }
.chart { position: relative; height: 300px; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td:last-child { text-align: left; }
`;
