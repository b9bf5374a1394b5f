import { describe, expect, it } from 'vitest';
import { renderHaMetrics } from './metrics.js';

describe('renderHaMetrics', () => {
  it('one gauge per role, priority, health, keepalived', () => {
    const text = renderHaMetrics(
      {
        role: 'master',
        since: 1_700_000_000_000,
        priority: 150,
        instances: {},
        healthy: true,
        reasons: [],
        keepalived: { state: 'running', restarts: 2 },
      },
      'nftlb_ha',
    );
    expect(text).toContain('nftlb_ha_role{role="master"} 1\nnftlb_ha_role{role="backup"} 0');
    expect(text).toContain('nftlb_ha_role_since_seconds 1700000000');
    expect(text).toContain('nftlb_ha_priority 150');
    expect(text).toContain('nftlb_ha_healthy 1');
    expect(text).toContain('nftlb_ha_keepalived_up 1');
    expect(text).toContain(
      '# TYPE nftlb_ha_keepalived_restarts_total counter\nnftlb_ha_keepalived_restarts_total 2',
    );
    expect(text.endsWith('\n')).toBe(true);
  });
});
