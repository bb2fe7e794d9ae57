/** Charts and display: figures as data, shown in notebooks or written as HTML. Re-exported by src/index.ts. */
export { Figure, Trace } from './figure';
