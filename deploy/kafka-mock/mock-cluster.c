/* Starts a librdkafka in-process mock Kafka cluster for tests, prints its bootstrap servers on
 * one stdout line, and runs until stdin closes or SIGTERM/SIGINT arrives.
 * Usage: mock-cluster <broker_count> [topic:partition_count ...]
 * Topics are created up front because the mock cluster has no CreateTopics API. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int signal_number) { (void)signal_number; stop_requested = 1; }

int main(int argc, char **argv) {
  int broker_count = argc > 1 ? atoi(argv[1]) : 1;
  if (broker_count < 1 || broker_count > 9) { fprintf(stderr, "broker_count must be 1..9\n"); return 2; }
  char error_text[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* Warnings only: the handle exists to host the mock cluster, so "no bootstrap.servers" is expected. */
  rd_kafka_conf_set(conf, "log_level", "3", error_text, sizeof(error_text));
  rd_kafka_t *handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error_text, sizeof(error_text));
  if (!handle) { fprintf(stderr, "rd_kafka_new: %s\n", error_text); return 1; }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(handle, broker_count);
  if (!cluster) { fprintf(stderr, "rd_kafka_mock_cluster_new failed\n"); return 1; }
  for (int index = 2; index < argc; index++) {
    char *separator = strrchr(argv[index], ':');
    if (!separator) { fprintf(stderr, "bad topic spec %s\n", argv[index]); return 2; }
    *separator = '\0';
    int partition_count = atoi(separator + 1);
    if (partition_count < 1 || rd_kafka_mock_topic_create(cluster, argv[index], partition_count, 1)) {
      fprintf(stderr, "cannot create topic %s\n", argv[index]);
      return 1;
    }
  }
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR so we stop promptly */
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);
  char buffer[256];
  while (!stop_requested) {
    ssize_t read_count = read(STDIN_FILENO, buffer, sizeof(buffer));
    if (read_count == 0) break;
    if (read_count < 0 && errno != EINTR) break;
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}
