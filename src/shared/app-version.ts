// Which build of the app this is: "<package version>+<git commit>", put in by the build
// (astro.config.mjs defines __TANDEM_VERSION__). Tablets report it with their queue so a
// manager can see which ones still run an old build; code run outside the build says "dev".
declare const __TANDEM_VERSION__: string | undefined;
export const APP_VERSION: string = typeof __TANDEM_VERSION__ === 'string' ? __TANDEM_VERSION__ : 'dev';
