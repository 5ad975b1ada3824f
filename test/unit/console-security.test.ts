import { optionalInt, optionalText } from '../../console/inputs';
import { newToken, refusal } from '../../console/security';

const consoleAt = { port: 4480, token: newToken() };
const request = (over: Partial<Parameters<typeof refusal>[0]>) =>
  refusal(
    { method: 'POST', host: '127.0.0.1:4480', origin: undefined, token: consoleAt.token, ...over },
    consoleAt,
  );

describe('console request checks', () => {
  it('lets a same-origin request with the token through, and any GET on the console host', () => {
    expect(request({})).toBeUndefined();
    expect(request({ origin: 'http://localhost:4480', host: 'localhost:4480' })).toBeUndefined();
    expect(request({ method: 'GET', token: undefined })).toBeUndefined();
  });

  it('refuses a state change without the token, with another token, or from another origin', () => {
    expect(request({ token: undefined })).toMatch(/token/);
    expect(request({ token: newToken() })).toMatch(/token/);
    expect(request({ token: 'short' })).toMatch(/token/);
    expect(request({ origin: 'https://evil.example' })).toMatch(/origin "https:\/\/evil.example"/);
  });

  it('refuses any request under another host name (DNS rebinding)', () => {
    expect(request({ method: 'GET', host: 'evil.example:4480' })).toMatch(/host "evil.example:4480"/);
    expect(request({ host: undefined })).toMatch(/host/);
  });

  it('tokens are random per process', () => {
    expect(newToken()).not.toBe(newToken());
    expect(newToken().length).toBeGreaterThanOrEqual(32);
  });
});

describe('console inputs', () => {
  it('name the parameter and what it accepts', () => {
    expect(optionalInt('offset', '12')).toBe(12);
    expect(optionalInt('offset', '')).toBeUndefined();
    expect(() => optionalInt('offset', '-1')).toThrow('offset must be a non-negative integer, got "-1"');
    expect(optionalText('key', 'u1')).toBe('u1');
    expect(() => optionalText('key', 7)).toThrow('key must be text');
  });
});
