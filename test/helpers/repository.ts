/** Writes a throwaway model repository of model.yaml texts, for upstream and simulated models. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeRepository(models: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-repo-'));
  for (const [name, yaml] of Object.entries(models)) {
    const dir = join(root, name, '1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.yaml'), yaml);
  }
  return root;
}
