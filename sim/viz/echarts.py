"""An Apache ECharts chart for the page: every chart and the recruitment tree are drawn with it.

Why ECharts (solara ships a component for it, `solara.FigureEcharts`): it draws on a canvas, so a
tree of 10,000 boxes stays quick; tooltips, legend toggles and zoom come built in; and an update is
merged into the chart (`setOption`), so a legend entry switched off or a zoom stays as it is when
the next day arrives, where a Vega-Lite view is rebuilt on every change. This widget differs from
solara's in two ways the page needs: updates are merged (solara's replaces the whole chart, which
resets legends and zoom every step) and two named JavaScript helpers are available by name from the
JSON options, since JSON carries no functions:

- a custom series with `"renderItem": "icicle"` draws each data item `{value: [x0, x1, level,
  faded], ...}` as a box from x0 to x1 on row `level` (pale with a dashed outline when faded);
- `"formatter": "tip"` in a tooltip shows the hovered item's own `tip` (HTML made in Python, so
  the text is tested in-process), or the default text when it has none;
- `"formatter": "day"` in an axis tooltip heads it "day N" and writes each value with thousands
  separators (series without a value that day are left out).

Clicking an item with a `span` [x0, x1] zooms the x axis to it (a seller's downline, in the tree);
a double click zooms out again.
The script loads from the same place as solara's own (its CDN, or the local asset cache through
the server's proxy): `ECHARTS` must be a version in that cache on offline machines.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import solara
import traitlets

ECHARTS = "echarts@5.4.0"  # the version solara's own ECharts component loads (the asset cache has it)

TEMPLATE = """
<template>
  <div ref="chart" :class="css_class" :style="{width: '100%', height: height}"></div>
</template>
<script>
module.exports = {
  mounted() {
    this.load().then((echarts) => {
      this.echarts = echarts;
      this.chart = echarts.init(this.$refs.chart);
      this.chart.on('click', (e) => this.zoomTo(e));
      this.chart.getZr().on('dblclick',
        () => this.chart.dispatchAction({type: 'dataZoom', start: 0, end: 100}));
      this.draw();
    });
    this.observer = new ResizeObserver(() => { if (this.chart) this.chart.resize(); });
    this.observer.observe(this.$refs.chart);
  },
  beforeDestroy() {
    if (this.observer) this.observer.disconnect();
    if (this.chart) this.chart.dispose();
  },
  beforeUnmount() { this.$options.beforeDestroy.call(this); },
  watch: {
    option() { this.draw(); },
    height() { this.$nextTick(() => { if (this.chart) this.chart.resize(); }); },
  },
  methods: {
    draw() {
      if (!this.chart) return;
      const option = this.prepare(JSON.parse(JSON.stringify(this.option)));
      this.chart.setOption(option, {replaceMerge: ['series']});
    },
    prepare(option) {
      const tip = (p) => (p.data && p.data.tip) ? p.data.tip : `${p.seriesName}<br>${p.name}: ${p.value}`;
      const day = (ps) => {
        const rows = ps.filter((p) => p.value !== null && p.value !== undefined).map((p) =>
          `${p.marker}${p.seriesName}: <b>${Number(p.value).toLocaleString('en')}</b>`);
        return [`day ${ps.length ? ps[0].name : ''}`, ...rows].join('<br>');
      };
      const named = {tip: tip, day: day};
      const fix = (tooltip) => {
        if (tooltip && named[tooltip.formatter]) tooltip.formatter = named[tooltip.formatter];
      };
      fix(option.tooltip);
      (option.series || []).forEach((s) => {
        fix(s.tooltip);
        if (s.renderItem === 'icicle') s.renderItem = (params, api) => this.icicle(params, api);
      });
      return option;
    },
    icicle(params, api) {
      const x0 = api.value(0), x1 = api.value(1), level = api.value(2), faded = api.value(3);
      const a = api.coord([x0, level]), b = api.coord([x1, level]);
      const h = api.size([0, 1])[1];
      const box = this.echarts.graphic.clipRectByRect(
        {x: a[0], y: a[1] - h / 2 + 1, width: Math.max(b[0] - a[0], 0.5), height: h - 2},
        {x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width,
         height: params.coordSys.height});
      if (!box) return;
      return {type: 'rect', shape: box, style: {fill: api.visual('color'), opacity: faded ? 0.35 : 1,
              stroke: faded ? '#333' : '#fff', lineWidth: faded ? 1 : 0.5,
              lineDash: faded ? [3, 2] : null}};
    },
    zoomTo(e) {
      if (e.data && e.data.span) {
        this.chart.dispatchAction({type: 'dataZoom', startValue: e.data.span[0], endValue: e.data.span[1]});
      }
    },
    load() {
      const url = `${this.getCdn()}/${this.echarts_version}/dist/echarts.min.js`;
      return this.loadRequire().then(() => new Promise((resolve, reject) => {
        window.requirejs([url], (echarts) => resolve(echarts), reject);
      }));
    },
    loadRequire() {
      if (window.requirejs) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = `${this.getCdn()}/requirejs@2.3.6/require.js`;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    },
    getCdn() {
      if (this.cdn) return this.cdn;
      if (window.solara) return window.solara.cdn;
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith('/')) base += '/';
      return `${base}_solara/cdn`;
    },
  },
};
</script>
"""


class EChartWidget(ipyvuetify.VuetifyTemplate):
    """The widget: an ECharts option (JSON), its height, a CSS class to find it by."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    option = traitlets.Dict().tag(sync=True)
    height = traitlets.Unicode("320px").tag(sync=True)
    css_class = traitlets.Unicode("").tag(sync=True)
    echarts_version = traitlets.Unicode(ECHARTS).tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self) -> str | None:
        import solara.settings

        # As solara's own components: through the server's proxy (and its cache), else the CDN itself.
        return None if solara.settings.assets.proxy else solara.settings.assets.cdn


@solara.component
def EChart(option: dict[str, Any], height: int = 320, css_class: str = ""):
    """An ECharts chart of `option`, `height` pixels high, full width."""
    return EChartWidget.element(option=option, height=f"{height}px", css_class=css_class)
