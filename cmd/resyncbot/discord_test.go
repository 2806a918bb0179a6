package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/internal/discordfake"
)

// discordConfig writes a configuration whose Discord platform is the fake,
// with guild as guild_id ("" for none), and returns its path.
func discordConfig(t *testing.T, fake *discordfake.Server, token, guild string) string {
	t.Helper()
	mappings, _ := filepath.Abs("../../examples/mappings")
	path := filepath.Join(t.TempDir(), "discord.yaml")
	writeFile(t, path, fmt.Sprintf(`redis: {url: "redis://127.0.0.1:6379/0"}
people: {alice: {discord: "1500000000000000001"}, bob: {discord: "1500000000000000002"}}
roles: {engineers: {people: [alice, bob]}, approvers: {people: [bob]}}
environments:
  staging:
    ops_channel: {discord: "1400000000000000001"}
    elasticsearch: {urls: ["http://127.0.0.1:9200"]}
    indexes:
      - alias: masterdoctorindex
        mapping: %[1]s/masterdoctorindex.json
        source: {type: generate, count: 10}
        transform: {id_field: gmcReferenceNumber}
  prod:
    label: Production
    production: true
    ops_channel: {discord: "1400000000000000002"}
    elasticsearch: {urls: ["http://127.0.0.1:9200"]}
    indexes:
      - alias: masterdoctorindex
        mapping: %[1]s/masterdoctorindex.json
        source: {type: generate, count: 10}
        transform: {id_field: gmcReferenceNumber}
      - alias: connectionindex
        mapping: %[1]s/connectionindex.json
        source: {type: generate, count: 10, kind: connection}
platforms:
  discord:
    application_id: "%[2]s"
    public_key: %[3]s
    bot_token: ${DISCORD_BOT_TOKEN}
    guild_id: "%[4]s"
    api_url: %[5]s
`, mappings, fake.AppID(), strings.Repeat("ab", 32), guild, fake.URL()))
	return path
}

// registerRun runs "discord register" with args and the bot token in the
// environment.
func registerRun(t *testing.T, token string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	opts, err := parseLogOptions("json", "info")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DISCORD_BOT_TOKEN": token}
	e := &env{getenv: func(k string) string { return vars[k] }, stdout: &stdout, stderr: &stderr, log: opts}
	err = runDiscordRegister(context.Background(), args, e)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: exitStatus(err), err: err}
}

func TestDiscordRegister(t *testing.T) {
	fake := discordfake.New(t)
	guild := discordfake.DefaultGuildID

	// guild_id from the configuration.
	path := discordConfig(t, fake, fake.Token(), guild)
	r := registerRun(t, fake.Token(), "--config", path)
	r.wantCode(t, 0)
	cmds := fake.Commands(guild)
	if len(cmds) != 4 || len(fake.Commands("")) != 0 {
		t.Fatalf("guild has %d commands, global %d", len(cmds), len(fake.Commands("")))
	}
	for _, want := range []string{
		fmt.Sprintf("Registered 4 commands in guild %s for application %s, replacing any others there:", guild, fake.AppID()),
		"  /resync   " + cmds[0].ID + "  start <env> [index] [reason] [dry_run] | status [env] | history [env] | help\n",
		"  /abort    " + cmds[1].ID + "  [job]\n",
		"  /restore  " + cmds[2].ID + "  <env> [generation]\n",
		"  /notice   " + cmds[3].ID + "  <env> <state> <text>\n",
		"Environments offered: staging, prod\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	// The environments of the file are the choices.
	env := cmds[0].Options[0].Options[0]
	if env.Name != "env" || len(env.Choices) != 2 || env.Choices[0].Value != "staging" || env.Choices[1].Value != "prod" {
		t.Errorf("env option %+v", env)
	}
	if strings.Contains(r.stdout+r.stderr, fake.Token()) {
		t.Error("the bot token was printed")
	}

	// --guild wins over the file.
	fake.AddGuild("1300000000000000009")
	r = registerRun(t, fake.Token(), "--config", path, "--guild", "1300000000000000009")
	r.wantCode(t, 0)
	if len(fake.Commands("1300000000000000009")) != 4 || !strings.Contains(r.stdout, "in guild 1300000000000000009") {
		t.Errorf("--guild ignored:\n%s", r.stdout)
	}

	// Without a guild: global.
	global := discordConfig(t, fake, fake.Token(), "")
	r = registerRun(t, fake.Token(), "--config", global)
	r.wantCode(t, 0)
	if len(fake.Commands("")) != 4 || !strings.Contains(r.stdout, "Registered 4 commands globally") {
		t.Errorf("global registration:\n%s", r.stdout)
	}
	if n := fake.Overwrites(guild); n != 1 {
		t.Errorf("%d overwrites of the guild, want 1", n)
	}
}

func TestDiscordRegisterErrors(t *testing.T) {
	fake := discordfake.New(t)
	path := discordConfig(t, fake, fake.Token(), "")

	r := registerRun(t, "wrong-token", "--config", path)
	r.wantCode(t, 1)
	if !strings.Contains(r.err.Error(), "401") || strings.Contains(r.err.Error()+r.stdout+r.stderr, "wrong-token") {
		t.Errorf("err %v, stdout %q, stderr %q", r.err, r.stdout, r.stderr)
	}
	if len(fake.Commands("")) != 0 {
		t.Error("commands registered with a wrong token")
	}
	r = registerRun(t, fake.Token(), "--config", path, "--guild", "1300000000000000404")
	r.wantCode(t, 1)
	if !strings.Contains(r.err.Error(), "Missing Access") {
		t.Errorf("a guild the application is not in: %v", r.err)
	}

	// A configuration without Discord.
	noDiscord := filepath.Join(t.TempDir(), "none.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	off := strings.NewReplacer("bot_token: ${DISCORD_BOT_TOKEN}", "bot_token: ''", "public_key: "+strings.Repeat("ab", 32), "public_key: ''")
	writeFile(t, noDiscord, off.Replace(string(raw)))
	r = registerRun(t, fake.Token(), "--config", noDiscord)
	r.wantCode(t, 1)
	if !strings.Contains(r.err.Error(), "platforms.discord is not configured") {
		t.Errorf("err %v", r.err)
	}

	r = registerRun(t, fake.Token())
	r.wantCode(t, 2)
	r = registerRun(t, fake.Token(), "--config", path, "extra")
	r.wantCode(t, 2)
	r = registerRun(t, fake.Token(), "--nope")
	r.wantCode(t, 2)
	r = registerRun(t, fake.Token(), "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	r.wantCode(t, 1)

	r = registerRun(t, fake.Token(), "--help")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "Usage: resyncbot discord register --config FILE [--guild ID]") || !strings.Contains(r.stdout, "-guild") {
		t.Errorf("help:\n%s", r.stdout)
	}
}
