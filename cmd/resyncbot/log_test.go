package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/config"
)

// secretVars fills every secret the example configuration reads.
var secretVars = map[string]string{
	"REDIS_URL":                    "redis://:redis-secret-pw@cache:6379/0",
	"SLACK_BOT_TOKEN":              "xoxb-1111-2222-slacktoken",
	"SLACK_SIGNING_SECRET":         "slack-signing-secret-value",
	"SLACK_APP_TOKEN":              "xapp-1-app-token-value",
	"DISCORD_APPLICATION_ID":       "1200000000000000000",
	"DISCORD_PUBLIC_KEY":           strings.Repeat("5a", 32),
	"DISCORD_BOT_TOKEN":            "discord-bot-token-value",
	"TEAMS_WEBHOOK_SERVICE_STATUS": "https://prod-01.example.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=teams-sig-value",
	"ES_STAGING_URL":               "https://elastic:es-url-password@es.staging.example:9200",
	"ES_PREPROD_USERNAME":          "elastic",
	"ES_PREPROD_PASSWORD":          `es-"preprod"\password`,
	"ES_PROD_API_KEY":              "es-prod-api-key-value",
}

// secretValues are the strings that must never be seen: each secret, and the
// parts of URLs that are.
var secretValues = []string{
	"redis-secret-pw", "xoxb-1111-2222-slacktoken", "slack-signing-secret-value", "xapp-1-app-token-value",
	"discord-bot-token-value", "teams-sig-value", secretVars["TEAMS_WEBHOOK_SERVICE_STATUS"],
	"es-url-password", `es-"preprod"\password`, "es-prod-api-key-value",
}

// TestSecretsNeverLogged logs everything a careless handler might, in both
// log formats, through the logger run builds once the configuration is known.
func TestSecretsNeverLogged(t *testing.T) {
	cfg, err := config.Load(example, func(k string) string { return secretVars[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, console := range []bool{false, true} {
		var stderr bytes.Buffer
		e := &env{stderr: &stderr, log: logOptions{console: console}}
		log := e.logger(cfg.Secrets())
		log.Info().Interface("config", cfg).Msg("loaded")
		log.Info().Msg(fmt.Sprintf("%+v %+v %+v", cfg.Platforms.Slack, cfg.Platforms.Discord, cfg.Platforms.Teams))
		for _, name := range cfg.EnvironmentOrder {
			log.Warn().Interface("es", cfg.Environments[name].Elasticsearch).Msg("connecting")
		}
		for _, s := range secretValues {
			log.Error().Str("value", s).Err(errors.New("failed with " + s)).Msg(s)
		}
		for _, s := range secretValues {
			if strings.Contains(stderr.String(), s) {
				t.Errorf("console=%v: the log shows %q", console, s)
			}
		}
		if !strings.Contains(stderr.String(), "[REDACTED]") {
			t.Errorf("console=%v: nothing was masked:\n%s", console, stderr.String())
		}
	}
}

// TestSecretsNeverInProblems breaks every secret field of the example while
// the secrets are set, and checks what `check` prints.
func TestSecretsNeverInProblems(t *testing.T) {
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.NewReplacer(
		"bot_token: ${SLACK_BOT_TOKEN:-}", "bot_token: [\"${SLACK_BOT_TOKEN}\"]",
		"signing_secret: ${SLACK_SIGNING_SECRET:-}", "signing_secret: {s: \"${SLACK_SIGNING_SECRET}\"}",
		"api_url: \"\"\n  discord", "api_url: \"${SLACK_APP_TOKEN}\"\n  discord",
		"bot_token: ${DISCORD_BOT_TOKEN:-}", "bot_token: [\"${DISCORD_BOT_TOKEN}\"]",
		"service-status: ${TEAMS_WEBHOOK_SERVICE_STATUS:-}", "service-status: [\"${TEAMS_WEBHOOK_SERVICE_STATUS}\"]",
		"password: ${ES_PREPROD_PASSWORD:-}", "password: [\"${ES_PREPROD_PASSWORD}\"]",
		"api_key: ${ES_PROD_API_KEY:-}", "api_key: ${ES_PROD_API_KEY}\n      max_retries: ${ES_PROD_API_KEY}",
		"timeout: 60s", "timeout: ${SLACK_SIGNING_SECRET}",
		`urls: ["${ES_STAGING_URL:-http://localhost:9200}"]`, `urls: "${ES_STAGING_URL}"`,
		"url: ${REDIS_URL:-redis://localhost:6379/0}", "url: ${REDIS_URL}/%zz",
	).Replace(string(data))
	if broken == string(data) {
		t.Fatal("nothing replaced")
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "mappings"), os.DirFS("../../examples/mappings")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "resyncbot.yaml")
	writeFile(t, path, broken)

	r := runArgs(t, secretVars, "--log-level", "trace", "check", "--config", path)
	r.wantCode(t, 1)
	if n := strings.Count(r.stdout, "\n"); n < 10 {
		t.Errorf("want a problem per broken field, got:\n%s", r.stdout)
	}
	for _, s := range secretValues {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("check shows %q:\n%s%s", s, r.stdout, r.stderr)
		}
	}
}
