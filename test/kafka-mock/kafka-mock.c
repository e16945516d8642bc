/*
 * kafka-mock: a librdkafka mock cluster driven over stdin, for tests that need Kafka on the real wire.
 *
 *   kafka-mock <brokers>
 *
 * Prints "BOOTSTRAP host:port,host:port,..." once the cluster is up, then reads one command per line
 * and answers each with "OK" or "ERR <why>":
 *
 *   topic <name> <partitions> <replication>   create a topic
 *   leader <topic> <partition> <broker|-1>    set the partition leader (-1 = no leader, offline)
 *   follower <topic> <partition> <broker>     set the broker fetch-from-follower consumers are sent to
 *   down <broker> / up <broker>               close and refuse / accept connections on a broker
 *   rtt <broker> <ms>                         delay every response of a broker
 *   errors <apikey> <count> <errcode>         the next <count> requests of <apikey> fail with <errcode>
 *   topicerror <topic> <errcode>              metadata for the topic reports <errcode> (0 clears)
 *   quit                                      exit (so does EOF on stdin)
 *
 * Limits of the librdkafka 2.0.2 mock: ISR always equals the replica set, the controller id is 0 and
 * ListGroups/DescribeGroups are not implemented; test/kafka-mock/metadata-proxy.ts covers the first two.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_int(const char *s, long *out) {
        char *end;
        if (!s || !*s) return 0;
        *out = strtol(s, &end, 10);
        return *end == '\0';
}

static void reply(rd_kafka_resp_err_t err) {
        if (err) printf("ERR %s\n", rd_kafka_err2str(err));
        else printf("OK\n");
        fflush(stdout);
}

int main(int argc, char **argv) {
        char errstr[512], line[1024];
        long brokers = 3;
        if (argc > 1 && (!parse_int(argv[1], &brokers) || brokers < 1 || brokers > 64)) {
                fprintf(stderr, "usage: kafka-mock <brokers 1..64>\n");
                return 2;
        }
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mc) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                return 1;
        }
        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);

        while (fgets(line, sizeof(line), stdin)) {
                char *argv2[6] = {0};
                int n = 0;
                for (char *tok = strtok(line, " \t\r\n"); tok && n < 6; tok = strtok(NULL, " \t\r\n"))
                        argv2[n++] = tok;
                if (n == 0) continue;
                const char *cmd = argv2[0];
                long a = 0, b = 0, c = 0;
                if (!strcmp(cmd, "quit")) {
                        printf("OK\n");
                        fflush(stdout);
                        break;
                } else if (!strcmp(cmd, "topic") && n == 4 && parse_int(argv2[2], &a) && parse_int(argv2[3], &b)) {
                        reply(rd_kafka_mock_topic_create(mc, argv2[1], (int)a, (int)b));
                } else if (!strcmp(cmd, "leader") && n == 4 && parse_int(argv2[2], &a) && parse_int(argv2[3], &b)) {
                        reply(rd_kafka_mock_partition_set_leader(mc, argv2[1], (int32_t)a, (int32_t)b));
                } else if (!strcmp(cmd, "follower") && n == 4 && parse_int(argv2[2], &a) && parse_int(argv2[3], &b)) {
                        reply(rd_kafka_mock_partition_set_follower(mc, argv2[1], (int32_t)a, (int32_t)b));
                } else if (!strcmp(cmd, "down") && n == 2 && parse_int(argv2[1], &a)) {
                        reply(rd_kafka_mock_broker_set_down(mc, (int32_t)a));
                } else if (!strcmp(cmd, "up") && n == 2 && parse_int(argv2[1], &a)) {
                        reply(rd_kafka_mock_broker_set_up(mc, (int32_t)a));
                } else if (!strcmp(cmd, "rtt") && n == 3 && parse_int(argv2[1], &a) && parse_int(argv2[2], &b)) {
                        reply(rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b));
                } else if (!strcmp(cmd, "errors") && n == 4 && parse_int(argv2[1], &a) && parse_int(argv2[2], &b) &&
                           parse_int(argv2[3], &c) && b >= 0 && b <= 10000) {
                        rd_kafka_resp_err_t *errs = calloc((size_t)b + 1, sizeof(*errs));
                        for (long i = 0; i < b; i++) errs[i] = (rd_kafka_resp_err_t)c;
                        rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)b, errs);
                        free(errs);
                        reply(RD_KAFKA_RESP_ERR_NO_ERROR);
                } else if (!strcmp(cmd, "topicerror") && n == 3 && parse_int(argv2[2], &a)) {
                        rd_kafka_mock_topic_set_error(mc, argv2[1], (rd_kafka_resp_err_t)a);
                        reply(RD_KAFKA_RESP_ERR_NO_ERROR);
                } else {
                        printf("ERR bad command: %s (argc %d)\n", cmd, n);
                        fflush(stdout);
                }
        }
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
