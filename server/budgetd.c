// SPDX-License-Identifier: MIT
// budgetd: serves budget disclosures from a store over HTTP.
#include "srv.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: budgetd [--port N] [--bind ADDR] [--db PATH] [--static DIR] [--threads N]\n"
    "               [--cache-mb N]\n"
    "\n"
    "Serves the budgetd JSON API (/api/v1/...) and the front page.\n"
    "\n"
    "  --port N      TCP port (default 8080; 0 picks a free one)\n"
    "  --bind ADDR   address to listen on (default 127.0.0.1; 0.0.0.0 for all)\n"
    "  --db PATH     the store (default: $BUDGETD_DB, else the bundled store)\n"
    "  --static DIR  folder of the front page (default: the bundled one)\n"
    "  --threads N   worker threads (default: one per core)\n"
    "  --cache-mb N  memory for ready-made answers (default 32; 0 turns the cache off)\n"
    "  -h, --help    this text\n"
    "\n"
    "Prints \"listening on URL\" on standard output once it serves. Stops cleanly on\n"
    "SIGINT or SIGTERM. Exit codes: 0 stopped by a signal, 64 bad usage, 66 store or\n"
    "static folder unreadable, 69 cannot listen (e.g. port in use), 70 internal error.\n";

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	*out = strtoul(s, &end, 10);
	return *end == '\0' && *out <= max;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "db", required_argument, NULL, 'd' },
		{ "static", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "cache-mb", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char store[4096], files[4096];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct srv_config cfg = { .bind = "127.0.0.1",
		                  .port = 8080,
		                  .threads = cores > 0 ? (unsigned)cores : 1,
		                  .cache_bytes = 32u << 20 };
	unsigned long n;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_uint(optarg, 65535, &n))
				goto bad;
			cfg.port = (uint16_t)n;
			break;
		case 'b':
			cfg.bind = optarg;
			break;
		case 'd':
			cfg.store = optarg;
			break;
		case 's':
			cfg.static_dir = optarg;
			break;
		case 't':
			if (!parse_uint(optarg, 256, &n) || n == 0)
				goto bad;
			cfg.threads = (unsigned)n;
			break;
		case 'c':
			if (!parse_uint(optarg, 65536, &n))
				goto bad;
			cfg.cache_bytes = (size_t)n << 20;
			break;
		case 'h':
			fputs(usage, stdout);
			return SRV_EXIT_OK;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (cfg.store == NULL)
		cfg.store = getenv("BUDGETD_DB");
	if (cfg.store == NULL)
		cfg.store = srv_default_store(store, sizeof(store));
	if (cfg.static_dir == NULL)
		cfg.static_dir = srv_default_static(files, sizeof(files));
	return srv_run(&cfg);
bad:
	fprintf(stderr, "budgetd: bad arguments (%s --help for usage)\n", argv[0]);
	return SRV_EXIT_USAGE;
}
