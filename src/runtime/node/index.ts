// `npm start`: callgate on Node with its embedded defaults (SQLite file, ./policies, console OTP).
import { runNodeServer } from './main.js';

await runNodeServer();
