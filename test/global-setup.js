// Tests fork compiled JavaScript (Nest needs decorator metadata, which only tsc emits), so build
// dist/ once per run.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function globalSetup() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  // As `npm run build` does: the forked processes load the library as the package ships it.
  execFileSync(process.execPath, ['scripts/bundle-lib.mjs', 'dist/libs/supertrees/src'], { cwd: root, stdio: 'inherit' });
}
