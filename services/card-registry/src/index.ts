/**
 * For integration tests of other packages (the HTTP edge) that run a real card registry in-process.
 * Production code reaches the card registry only through card_registry.proto.
 */
export {
  type CardRegistryServiceOptions,
  MIGRATIONS_DIRECTORY,
  type RunningCardRegistryService,
  startCardRegistryService,
} from './start-card-registry-service.ts';
