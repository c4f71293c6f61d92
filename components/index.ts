export * from "./validation";
export * from "./network";
export * from "./sharedFileSystem";
export * from "./archiveBucket";
export * from "./fargateService";
