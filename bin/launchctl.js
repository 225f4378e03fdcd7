#!/usr/bin/env node
// Installed as both `launchctl` and `launchops` (macOS ships its own /bin/launchctl).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv);
