import { request } from 'node:http';
import { DOCKER_PING_TIMEOUT_MS } from './limits.ts';

let dockerAnswersOnce: Promise<boolean> | undefined;

/**
 * Whether Testcontainers can be used: ACQ_TESTKIT_CONTAINERS=off forces the local services, =on
 * forces containers; otherwise the Docker engine's /_ping must answer within a short timeout.
 */
export function useContainers(): Promise<boolean> {
  const forced = process.env.ACQ_TESTKIT_CONTAINERS;
  if (forced === 'off') return Promise.resolve(false);
  if (forced === 'on') return Promise.resolve(true);
  dockerAnswersOnce ??= pingDockerEngine();
  return dockerAnswersOnce;
}

function pingDockerEngine(): Promise<boolean> {
  const dockerHost = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const target = dockerHost.startsWith('unix://')
    ? { socketPath: dockerHost.slice('unix://'.length) }
    : {
        host: new URL(dockerHost.replace(/^tcp:/, 'http:')).hostname,
        port: Number(new URL(dockerHost.replace(/^tcp:/, 'http:')).port),
      };
  return new Promise((resolve) => {
    const pingRequest = request(
      { ...target, path: '/_ping', method: 'GET', timeout: DOCKER_PING_TIMEOUT_MS },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    pingRequest.on('timeout', () => pingRequest.destroy());
    pingRequest.on('error', () => resolve(false));
    pingRequest.end();
  });
}
