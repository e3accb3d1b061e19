/**
 * Starts one of our modules in a worker thread, from the compiled `.js` or, under tsx, from the
 * `.ts` source: Node 20 does not carry tsx's loader hooks into workers, so the worker registers
 * them before importing the module.
 */
import { Worker } from 'node:worker_threads';

/** `sibling` is the module's name without extension, resolved next to `from` (an import.meta.url). */
export function startModuleWorker(from: string, sibling: string, workerData: unknown): Worker {
  const fromSource = from.endsWith('.ts');
  const url = new URL(`./${sibling}${fromSource ? '.ts' : '.js'}`, from);
  if (!fromSource) return new Worker(url, { workerData });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
