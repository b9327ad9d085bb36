import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { redactLine, redactText, redactUrl } from '../src/redact.js';

describe('redactUrl', () => {
  it('masks the password of URL userinfo and keeps the user', () => {
    expect(redactUrl('https://alice:s3cr3t-pass@models.example.com/v1')).toBe(
      'https://alice:****@models.example.com/v1',
    );
  });
  it('masks a userinfo that is only a token', () => {
    expect(redactUrl('https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x')).toBe(
      'https://****@github.com/x',
    );
  });
  it('masks credential query parameters and keeps the others', () => {
    expect(redactUrl('http://127.0.0.1:8000/v1?api_key=abc123&model=llama&X-Amz-Signature=ffee')).toBe(
      'http://127.0.0.1:8000/v1?api_key=****&model=llama&X-Amz-Signature=****',
    );
  });
  it('leaves a URL without credentials unchanged', () => {
    const url = 'https://huggingface.co/meta-llama/Llama-3.1-8B?revision=main#readme';
    expect(redactUrl(url)).toBe(url);
  });
});

describe('redactText', () => {
  it('masks URLs inside free text', () => {
    expect(redactText('could not reach postgres://svc:hunter22@db:5432/x (ECONNREFUSED)')).toBe(
      'could not reach postgres://svc:****@db:5432/x (ECONNREFUSED)',
    );
  });
  it('masks bearer and basic authorization values', () => {
    expect(redactText('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe(
      'Authorization: Bearer ****',
    );
    expect(redactText('header Authorization: Basic YWxpY2U6c2VjcmV0')).toBe(
      'header Authorization: Basic ****',
    );
    expect(redactText('Basic authentication is not enough')).toBe('Basic authentication is not enough');
  });
  it('masks NAME=value pairs whose name says secret, and known token shapes anywhere', () => {
    expect(redactText('HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH loaded')).toBe(
      'HF_TOKEN=hf_****EFGH loaded',
    );
    expect(redactText('password: correct-horse-battery')).toBe('password: ****tery');
    expect(redactText('token ghp_abcdefghijklmnopqrstuvwxyz0123456789 in log')).toBe(
      'token ghp_****6789 in log',
    );
  });
  it('leaves ordinary text alone', () => {
    const text =
      'Deployment/llm-chat rolled out revision 3 (model 1.0.0) in 4.2 s; see https://example.com/docs';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactText keeps structure and ordinary text', () => {
  it('masks inside JSON without breaking it, and never across lines', () => {
    const json = JSON.stringify({
      message: 'password=abcdefgh\\ and "quoted" token=ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    });
    const masked = redactText(json);
    expect(() => JSON.parse(masked) as unknown).not.toThrow();
    expect(masked).not.toContain('abcdefgh');
    expect(masked).not.toContain('ghp_abcdefghijklmnop');
    const yaml = 'auth:\n  secretRef:\n    name: x\n';
    expect(redactText(yaml)).toBe(yaml);
  });

  it('masks JSON keys that say secret', () => {
    expect(redactText('{"api_key": "k3y-Xq9-features"}')).toBe('{"api_key": "****ures"}');
  });

  it('does not take a file name for a secret name', () => {
    expect(redactText('cannot read templates from /etc/passwd: ENOTDIR')).toBe(
      'cannot read templates from /etc/passwd: ENOTDIR',
    );
  });
});

describe('the line filter of redactText', () => {
  it('never skips a line that redactLine would change (fast-check)', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        'hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123Wx3q',
        'ghp_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210zz',
        'AKIAQWERTYUIOPASDFGH',
        'q8Vz3Lp0Xk7Wm2Rt9Yb4Nc6Hd1Jf5Gs',
        'postgres://u:Passw0rd@db/x',
        'http://h/x?api_key=abc123',
        '/ready?token=abcdef123',
        'Bearer abcdef123',
        'Basic YWxpY2U6c2VjcmV0',
        'password=hunter22',
        '"api_key": "k3y-Xq9-features"',
        'DB_PWD: Tr0ub4dor',
        '-----BEGIN RSA PRIVATE KEY-----',
        'user@example.com',
      ),
      fc.constantFrom(' ', '\t', '"', "'", ':', '=', ',', '/', '\\', '<', '>', '\n', 'a', 'Z', '9', '-', '_'),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        expect(redactText(text)).toBe(text.split('\n').map(redactLine).join('\n'));
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
