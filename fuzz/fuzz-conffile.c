/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the configuration file's parser and layers
 * (conffile.c) over any text of up to 64 KiB, for a program that has
 * sections and one that has none, and the messages of every problem. */
#include "autoconfig.h"
#include "common/conffile.h"

#include "fuzz.h"

static struct tk_conf conf;
static struct tk_config cfg;

static void one(const uint8_t *data, size_t size, const char *program,
		bool check_all)
{
	char msg[600];

	memset(&conf, 0, sizeof conf);
	conf.path = "/etc/tcpkeep.conf";
	conf.state = TK_CONF_LOADED;
	conf.program = program;
	conf.check_all = check_all;
	conf.len = size;
	memcpy(conf.text, data, size);
	conf.text[size] = '\0';
	tk_config_defaults(&cfg);
	tk_conf_parse(&conf);
	tk_conf_apply(&conf, &cfg, NULL);
	tk_config_finish(&cfg);
	CHECK(cfg.idle_s >= 1 && cfg.idle_s <= TK_SECONDS_MAX);
	CHECK(cfg.intvl_s >= 1 && cfg.intvl_s <= TK_SECONDS_MAX);
	CHECK(cfg.cnt >= 1 && cfg.cnt <= TK_CNT_MAX);
	CHECK(cfg.user_timeout_ms <= TK_USER_TIMEOUT_MAX);
	for (unsigned i = 0; i <= conf.problems && i <= TK_CONF_PROBLEMS; i++) {
		size_t n = tk_conf_message(&conf, i, msg, sizeof msg);

		CHECK(n < sizeof msg && strlen(msg) == n);
		if (i < conf.problems && i < TK_CONF_PROBLEMS)
			CHECK(n > 0 && conf.problem[i].line >= 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > TK_CONF_SIZE_MAX)
		return 0;
	one(data, size, "/usr/bin/redis-server", false);
	one(data, size, "", true);
	return 0;
}
