/** The newest modification time (ms) of packages/<pkg>/src and packages/<pkg>/package.json. */
export function newestSourceMtimeMs(packagesDir: string): number;
