/**
 * The browser-side script of the job report: reads the embedded report data (the JSON in
 * `<script id="report-data" type="application/json">`) and draws its charts with chart.js (the
 * global `Chart` of the inlined UMD bundle). It builds no HTML from the data — chart.js draws
 * names on a canvas — so untrusted member and job names cannot become markup. When every chart
 * is drawn it sets `data-charts="N"` on <body> (N charts), for tests and for anyone checking.
 */
export const REPORT_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
  var common = { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } };
  var drawn = 0;
  function fin(x) { return typeof x === 'number' && isFinite(x) ? x : null; }
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({}, common, config.options || {});
    new Chart(canvas, config);
    drawn++;
  }
  function linear(title, min, max) {
    var axis = { type: 'linear', title: { display: true, text: title } };
    if (min !== undefined) axis.min = min;
    if (max !== undefined) axis.max = max;
    return axis;
  }
  var evaluated = data.rounds.filter(function (r) { return r.evaluated; });
  draw('chart-metrics', {
    type: 'line',
    data: {
      labels: evaluated.map(function (r) { return r.round; }),
      datasets: [
        { label: 'AUC', data: evaluated.map(function (r) { return fin(r.auc); }), borderColor: palette[0], backgroundColor: palette[0] },
        { label: 'KS', data: evaluated.map(function (r) { return fin(r.ks); }), borderColor: palette[1], backgroundColor: palette[1] }
      ]
    },
    options: { scales: { x: { title: { display: true, text: 'round' } }, y: linear('metric', 0, 1) } }
  });
  if (data.curves) {
    var c = data.curves;
    draw('chart-roc', {
      type: 'scatter',
      data: { datasets: [
        { label: 'ROC (round ' + data.histogram.round + ')', data: c.roc.map(function (p) { return { x: p.fpr, y: p.tpr }; }), showLine: true, pointRadius: 0, borderColor: palette[0] },
        { label: 'chance', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, pointRadius: 0, borderDash: [4, 4], borderColor: palette[8] }
      ] },
      options: { scales: { x: linear('false-positive rate', 0, 1), y: linear('true-positive rate', 0, 1) } }
    });
    draw('chart-ks', {
      type: 'scatter',
      data: { datasets: [
        { label: 'non-defaults (CDF)', data: c.ks.edges.map(function (e, i) { return { x: e, y: c.ks.negativeCdf[i] }; }), showLine: true, pointRadius: 0, borderColor: palette[2] },
        { label: 'defaults (CDF)', data: c.ks.edges.map(function (e, i) { return { x: e, y: c.ks.positiveCdf[i] }; }), showLine: true, pointRadius: 0, borderColor: palette[1] }
      ] },
      options: { scales: { x: linear('score', 0, 1), y: linear('share of class at or below score', 0, 1) } }
    });
    draw('chart-distribution', {
      type: 'bar',
      data: {
        labels: c.distribution.from.map(function (f) { return f.toFixed(2); }),
        datasets: [
          { label: 'non-defaults', data: c.distribution.negatives, backgroundColor: palette[2] },
          { label: 'defaults', data: c.distribution.positives, backgroundColor: palette[1] }
        ]
      },
      options: { scales: { x: { title: { display: true, text: 'score from' } }, y: linear('share of class', 0) } }
    });
    draw('chart-calibration', {
      type: 'scatter',
      data: { datasets: [
        { label: 'observed default rate', data: c.calibration.map(function (r) { return { x: r.predicted, y: r.observed }; }), pointRadius: 4, borderColor: palette[3], backgroundColor: palette[3] },
        { label: 'perfect calibration', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, pointRadius: 0, borderDash: [4, 4], borderColor: palette[8] }
      ] },
      options: { scales: { x: linear('predicted default probability', 0, 1), y: linear('observed default rate', 0, 1) } }
    });
  }
  if (data.epsilon) {
    var names = Object.keys(data.epsilon.perMember);
    draw('chart-epsilon', {
      type: 'line',
      data: {
        labels: data.epsilon.rounds,
        datasets: names.map(function (n, i) { return { label: n, data: data.epsilon.perMember[n], borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], spanGaps: true }; })
      },
      options: { scales: { x: { title: { display: true, text: 'round' } }, y: linear('epsilon spent in this job', 0) } }
    });
  }
  document.body.setAttribute('data-charts', String(drawn));
})();`;
