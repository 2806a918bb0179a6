package redact_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/resyncbot/resyncbot/internal/redact"
)

func TestWriterMasksSecrets(t *testing.T) {
	var buf bytes.Buffer
	w := redact.NewWriter(&buf, []string{"s3cret", "s3cret-longer", "abc", "", `pa"ss\word`, "a&b<c>d"})
	for _, line := range []string{
		"token=s3cret-longer and s3cret\n",
		"short abc stays\n",
		`{"password":"pa\"ss\\word"}` + "\n",
		`{"html":"a\u0026b\u003cc\u003ed"}` + "\n",
		"https://x/?q=pa%22ss%5Cword\n",
	} {
		n, err := w.Write([]byte(line))
		if err != nil || n != len(line) {
			t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(line))
		}
	}
	want := "token=[REDACTED] and [REDACTED]\n" +
		"short abc stays\n" +
		`{"password":"[REDACTED]"}` + "\n" +
		`{"html":"[REDACTED]"}` + "\n" +
		"https://x/?q=[REDACTED]\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriterWithoutSecrets(t *testing.T) {
	var buf bytes.Buffer
	w := redact.NewWriter(&buf, nil)
	if _, err := w.Write([]byte("plain\n")); err != nil || buf.String() != "plain\n" {
		t.Errorf("got %q, %v", buf.String(), err)
	}
}

func TestZerologThroughWriter(t *testing.T) {
	secrets := []string{"xoxb-123-456", "signing-secret-1", `quote"pass`, "https://t.example/wf?sig=abc123"}
	var buf bytes.Buffer
	log := zerolog.New(redact.NewWriter(&buf, secrets))
	log.Info().Str("token", secrets[0]).Str("password", secrets[2]).Msg("secret " + secrets[1])
	log.Error().Str("url", secrets[3]).Msg("posting")
	log = zerolog.New(zerolog.ConsoleWriter{Out: redact.NewWriter(&buf, secrets), NoColor: true})
	log.Warn().Str("token", secrets[0]).Msg(secrets[1])
	for _, s := range secrets {
		if strings.Contains(buf.String(), s) {
			t.Errorf("log shows %q:\n%s", s, buf.String())
		}
	}
	if strings.Count(buf.String(), redact.Mask) != 6 {
		t.Errorf("want 6 masks:\n%s", buf.String())
	}
}

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pass@es.example:9200/idx": "https://es.example:9200/idx",
		"https://prod.example/workflows/1/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sv=1.0&sig=AbC": "https://prod.example/workflows/1/triggers/manual/paths/invoke",
		"https://api.example/x?page=2":        "https://api.example/x?page=2",
		"https://api.example/x?api_key=k&p=1": "https://api.example/x",
		"http://api.example/x?access_token=t": "http://api.example/x",
		"redis://:pw@cache:6379/0":            "redis://cache:6379/0",
		"%zz":                                 redact.Mask,
	} {
		if got := redact.URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestURLSecrets(t *testing.T) {
	for in, want := range map[string][]string{
		"https://user:p%40ss@host/":              {"p@ss", "p%40ss"},
		"https://host/wf?sv=1&sig=a%2Bb&page=2":  {"a%2Bb", "a+b"},
		"https://host/x?token=t0k&api_key=k3y":   {"t0k", "k3y"},
		"https://host/x?page=2":                  nil,
		"https://user@host/":                     nil,
		"redis://:redispass@cache:6379/0":        {"redispass"},
		"https://host/x?password=&signature=sig": {"sig"},
	} {
		if got := redact.URLSecrets(in); !slices.Equal(got, want) {
			t.Errorf("URLSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}
