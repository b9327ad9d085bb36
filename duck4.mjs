import { DuckDBInstance } from '@duckdb/node-api';
const t0 = performance.now();
const db = await DuckDBInstance.create(process.env.DB ?? ':memory:', { threads: '2', memory_limit: process.env.MEM, temp_directory: '/tmp/drift-eval/spill', preserve_insertion_order: 'false' });
const con = await db.connect();
const lap = async (l) => { const m = (await con.runAndReadAll(`SELECT sum(memory_usage_bytes)//1e6 FROM duckdb_memory()`)).getRows()[0][0]; console.log(l, ((performance.now() - t0) / 1000).toFixed(2), 'rss', Math.round(process.memoryUsage().rss/1e6), 'duck', m); };
await con.run(`CREATE TABLE ref AS SELECT * FROM read_csv('${process.env.FILE}')`);
await lap('loaded');
const K = 1000;
for (let i = 0; i < 15; i++) {
  const q = await con.runAndReadAll(`
    WITH g AS (SELECT n${i} AS v, count(*) AS c FROM ref WHERE v IS NOT NULL GROUP BY v),
    s AS (SELECT v, c, sum(c) OVER (ORDER BY v ROWS UNBOUNDED PRECEDING) AS cum, sum(c) OVER () AS n FROM g)
    SELECT v, c, cum FROM s WHERE floor(cum * ${K} / n) > floor((cum - c) * ${K} / n) OR cum = n ORDER BY v`);
}
await lap('knots');
