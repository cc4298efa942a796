import { describe, expect, it } from 'vitest';
import { serviceColor, serviceHue, setPalette } from '../../../cli/src/view/client/format';

const services = ['api', 'inventory', 'worker', 'svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4'];
// Red and the hues next to it mark errors.
const reddish = (hue: number): boolean => hue >= 315 || hue < 35;
const apart = (a: number, b: number): number => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

describe('the report palette', () => {
  it('gives no service a red, and each service a hue far from every other', () => {
    setPalette(services);
    const hues = services.map(serviceHue);
    expect(hues.filter(reddish)).toEqual([]);
    for (let i = 0; i < hues.length; i++)
      for (let j = i + 1; j < hues.length; j++)
        expect(apart(hues[i]!, hues[j]!), `${services[i]} / ${services[j]}`).toBeGreaterThanOrEqual(30);
  });

  it('is the same colour for a service in every view, and takes services it was not given', () => {
    setPalette(services);
    expect(serviceColor('inventory')).toBe(serviceColor('inventory'));
    expect(serviceColor('inventory', 70)).toBe(`hsl(${serviceHue('inventory')} 55% 70%)`);
    const late = serviceHue('late-comer');
    expect(reddish(late)).toBe(false);
    expect(services.map(serviceHue)).not.toContain(late);
  });
});
