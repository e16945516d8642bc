import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

/** What a view shows instead of a blank panel: one sentence saying what is missing and what to do. */
export function EmptyState({ message, testId = 'pitower-empty' }: { message: string; testId?: string }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.wrap} data-testid={testId}>
      <div className={styles.box}>
        <div className={styles.title}>Nothing to show</div>
        <div>{message}</div>
      </div>
    </div>
  );
}

/** Warnings and degraded-mode notices above a view. */
export function Notices({ notice, warnings }: { notice?: string; warnings: string[] }) {
  const styles = useStyles2(getStyles);
  if (!notice && warnings.length === 0) {
    return null;
  }
  return (
    <div className={styles.notices} data-testid="pitower-notices">
      {notice && <div className={styles.notice}>{notice}</div>}
      {warnings.map((w) => (
        <div key={w} className={styles.warning}>
          {w}
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    width: '100%',
    height: '100%',
    padding: theme.spacing(2),
  }),
  box: css({
    maxWidth: 560,
    padding: theme.spacing(2),
    border: `1px dashed ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    color: theme.colors.text.secondary,
    textAlign: 'center',
    lineHeight: 1.5,
  }),
  title: css({
    color: theme.colors.text.primary,
    fontWeight: theme.typography.fontWeightMedium,
    marginBottom: theme.spacing(0.5),
  }),
  notices: css({
    display: 'flex',
    flexDirection: 'column',
    gap: 2,
    marginBottom: theme.spacing(0.5),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  notice: css({
    padding: theme.spacing(0.25, 1),
    borderLeft: `3px solid ${theme.colors.info.main}`,
    background: theme.colors.info.transparent,
    color: theme.colors.text.primary,
  }),
  warning: css({
    padding: theme.spacing(0.25, 1),
    borderLeft: `3px solid ${theme.colors.warning.main}`,
    background: theme.colors.warning.transparent,
    color: theme.colors.text.primary,
  }),
});
