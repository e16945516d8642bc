import { GrafanaTheme2 } from '@grafana/data';
import { Level } from '../types';

/** The visualization colour of a threshold level: green, orange, red (as Grafana's own thresholds). */
export function levelColor(level: Level, theme: GrafanaTheme2): string {
  const v = theme.visualization;
  return level === 'critical' ? v.getColorByName('red') : level === 'warn' ? v.getColorByName('orange') : v.getColorByName('green');
}

/** Text, tint and border colours of a level from the theme's status palette (success, warning, error). */
export function levelPalette(level: Level, theme: GrafanaTheme2): { text: string; transparent: string; border: string } {
  const c = level === 'critical' ? theme.colors.error : level === 'warn' ? theme.colors.warning : theme.colors.success;
  return { text: c.text, transparent: c.transparent, border: c.border };
}
