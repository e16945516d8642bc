import React, { useMemo } from 'react';
import { PanelProps } from '@grafana/data';
import { DEFAULT_OPTIONS, PanelOptions } from '../types';
import { toSeries } from '../data/frames';
import { toLeadershipViewModel } from '../data/to-leadership-view-model';
import { toIsrViewModel } from '../data/to-isr-view-model';
import { toBottleneckViewModel } from '../data/to-bottleneck-view-model';
import { LeadershipView } from './LeadershipView';
import { IsrView } from './IsrView';
import { BottleneckView } from './BottleneckView';

/** Thin panel: frames -> series -> the chosen view's model -> the view. */
export function ClusterPanel({ data, options: saved, width, height, timeZone, timeRange }: PanelProps<PanelOptions>) {
  const series = useMemo(() => toSeries(data.series), [data.series]);
  // saved panel JSON may predate an option or carry only some: fill in the defaults
  const options = useMemo(() => ({ ...DEFAULT_OPTIONS, ...saved }), [saved]);
  switch (options.view) {
    case 'isr':
      return (
        <IsrViewContainer
          series={series}
          options={options}
          width={width}
          height={height}
          timeZone={timeZone}
          from={timeRange?.from.valueOf()}
          to={timeRange?.to.valueOf()}
        />
      );
    case 'bottleneck':
      return <BottleneckViewContainer series={series} options={options} width={width} height={height} />;
    default:
      return <LeadershipViewContainer series={series} options={options} width={width} height={height} />;
  }
}

type ContainerProps = { series: ReturnType<typeof toSeries>; options: PanelOptions; width: number; height: number };

function LeadershipViewContainer({ series, options, width, height }: ContainerProps) {
  const model = useMemo(() => toLeadershipViewModel(series, options), [series, options]);
  return <LeadershipView model={model} width={width} height={height} compact={options.compactRows} skewWarnPercent={options.skewWarnPercent} />;
}

function IsrViewContainer({ series, options, width, height, timeZone, from, to }: ContainerProps & { timeZone?: string; from?: number; to?: number }) {
  const model = useMemo(() => toIsrViewModel(series, options), [series, options]);
  return <IsrView model={model} width={width} height={height} timeZone={timeZone} from={from} to={to} />;
}

function BottleneckViewContainer({ series, options, width, height }: ContainerProps) {
  const model = useMemo(() => toBottleneckViewModel(series, options), [series, options]);
  return <BottleneckView model={model} width={width} height={height} />;
}
