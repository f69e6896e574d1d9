// npm run build:web (and npm's prepare): the dashboard into web/dist, with
// a .gz and a .br of every file for the server to send as they are.

import { buildDashboard } from "../web/build/build-dashboard.ts";

const outDir = await buildDashboard();
console.log(`dashboard built into ${outDir}`);
