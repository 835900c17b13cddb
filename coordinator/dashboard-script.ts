/**
 * The dashboard's browser-side script: polls `/api/state` every second (same origin, the session
 * cookie goes along) and updates the page. It writes text only through `textContent` and draws
 * names on chart canvases, so participant, job and error texts never become markup. On a 401 it
 * says the session ended and stops polling. Progress is mirrored in attributes for tests:
 * `data-polls` on <body>, `data-points` on the metrics canvas.
 */
export const DASHBOARD_SCRIPT = `(function () {
  'use strict';
  var POLL_MS = 1000;
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
  var polls = 0;
  function byId(id) { return document.getElementById(id); }
  function text(id, value) { byId(id).textContent = value; }
  function f4(x) { return typeof x === 'number' && isFinite(x) ? x.toFixed(4) : '—'; }
  function time(ms) { return ms > 0 ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—'; }
  function cell(row, value) { var td = document.createElement('td'); td.textContent = value; row.appendChild(td); }
  function fillTable(id, rows) {
    var body = byId(id).querySelector('tbody');
    while (body.firstChild) body.removeChild(body.firstChild);
    rows.forEach(function (values) { var tr = document.createElement('tr'); values.forEach(function (v) { cell(tr, v); }); body.appendChild(tr); });
  }
  var options = { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } };
  var metrics = new Chart(byId('chart-live-metrics'), {
    type: 'line',
    data: { labels: [], datasets: [
      { label: 'AUC', data: [], borderColor: palette[0], backgroundColor: palette[0] },
      { label: 'KS', data: [], borderColor: palette[1], backgroundColor: palette[1] }
    ] },
    options: Object.assign({}, options, { scales: { x: { title: { display: true, text: 'round' } }, y: { min: 0, max: 1 } } })
  });
  var epsilon = new Chart(byId('chart-live-epsilon'), {
    type: 'line',
    data: { labels: [], datasets: [] },
    options: Object.assign({}, options, { scales: { x: { title: { display: true, text: 'round' } }, y: { min: 0, title: { display: true, text: 'epsilon spent in this job' } } } })
  });
  function render(s) {
    var online = s.participants.filter(function (p) { return p.connected; }).length;
    text('participants-online', online + ' of ' + s.participants.length);
    fillTable('participants', s.participants.map(function (p) { return [p.name, p.role, p.connected ? 'online' : 'gone', time(p.lastSeenUnixMs)]; }));
    var j = s.current;
    text('job-name', j ? j.name + ' (' + j.jobId + ')' : 'no job yet');
    text('job-state', j ? j.state : '—');
    text('job-stage', j ? j.stage : '—');
    text('round-counter', j ? j.roundsCompleted + ' / ' + j.roundsTotal : '—');
    text('job-error', j && j.error ? j.error : '');
    text('job-guarantee', j ? j.guarantee : '');
    var m = j ? j.metrics : [];
    text('last-auc', m.length ? f4(m[m.length - 1].auc) : '—');
    text('last-ks', m.length ? f4(m[m.length - 1].ks) : '—');
    metrics.data.labels = m.map(function (r) { return r.round; });
    metrics.data.datasets[0].data = m.map(function (r) { return r.auc; });
    metrics.data.datasets[1].data = m.map(function (r) { return r.ks; });
    metrics.update('none');
    byId('chart-live-metrics').setAttribute('data-points', String(m.length));
    var names = j ? Object.keys(j.epsilon.perMember) : [];
    epsilon.data.labels = j ? j.epsilon.rounds : [];
    epsilon.data.datasets = names.map(function (n, i) { return { label: n, data: j.epsilon.perMember[n], borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], spanGaps: true }; });
    epsilon.update('none');
    fillTable('failures', j ? j.failures.map(function (x) { return [String(x.round), x.participant, x.stage, x.reason]; }) : []);
    fillTable('recent', s.recent.map(function (r) { return [r.jobId, r.name, r.state, r.roundsCompleted + ' / ' + r.roundsTotal, f4(r.auc), f4(r.ks), time(r.createdUnixMs)]; }));
    text('updated', time(s.generatedUnixMs));
  }
  function poll() {
    fetch('api/state', { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { text('status-line', 'not authorized: the session ended; open the dashboard again with ?token='); return null; }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (s) {
      if (!s) return;
      render(s);
      polls++;
      document.body.setAttribute('data-polls', String(polls));
      text('status-line', 'live');
      setTimeout(poll, POLL_MS);
    }).catch(function (err) {
      text('status-line', 'cannot reach the coordinator (' + err.message + '); retrying');
      setTimeout(poll, POLL_MS);
    });
  }
  poll();
})();`;
