export * from './platform-client.ts';
export { type PlatformUnderTest, startPlatformUnderTest } from './platform-under-test.ts';
