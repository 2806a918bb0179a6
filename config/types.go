// Package config reads, expands and validates resyncbot's YAML configuration.
//
// The schema is the whole of DESIGN.md: people and their platform identities,
// environments with their approval policy, Elasticsearch connection and indexes,
// and the chat platforms. Defaults live in defaults.go and nowhere else.
package config

import "time"

// Config is a whole resyncbot configuration file after ${VAR} expansion,
// defaulting and validation.
//
// Fields tagged `secret:"true"` hold secrets, and those tagged `secret:"url"`
// are URLs that may embed credentials: Secrets collects both, and problem
// messages never show their values.
type Config struct {
	// Redis is where all durable state lives.
	Redis Redis `yaml:"redis"`
	// Server is the HTTP listener of `resyncbot serve`.
	Server Server `yaml:"server"`
	// People maps a person id (free text, e.g. "alice") to their identities.
	People map[string]Person `yaml:"people"`
	// Roles names who may do what.
	Roles Roles `yaml:"roles"`
	// Environments maps an environment name (e.g. "prod") to its definition.
	Environments map[string]*Environment `yaml:"environments"`
	// EnvironmentOrder is the order the environments appear in the file.
	EnvironmentOrder []string `yaml:"-"`
	// Platforms holds the chat platform credentials.
	Platforms Platforms `yaml:"platforms"`
	// Notify tunes progress messages and notice delivery.
	Notify Notify `yaml:"notify"`

	// Dir is the directory of the config file; relative paths resolve against it.
	Dir string `yaml:"-"`
}

// Redis configures the state store.
type Redis struct {
	// URL is redis://[:password@]host:port/db, rediss:// or unix://.
	URL    string `yaml:"url" secret:"url"`
	Prefix string `yaml:"prefix"`
}

// Server configures the HTTP listener.
type Server struct {
	Addr string `yaml:"addr"`
	// HandlerTimeout bounds every command and button handler.
	HandlerTimeout time.Duration `yaml:"handler_timeout"`
	// RecoverInterval is how often a replica looks for jobs whose lock lapsed.
	RecoverInterval time.Duration `yaml:"recover_interval"`
	// LockTTL is how long an environment lock outlives a silent holder: a
	// crashed replica's job is resumed about this long after it died.
	LockTTL time.Duration `yaml:"lock_ttl"`
	// ExpireInterval is how often a replica expires overdue approval requests.
	ExpireInterval time.Duration `yaml:"expire_interval"`
}

// Person is one human, known by one id per platform. Linking the identities
// lets the two-person rule hold across platforms.
type Person struct {
	Name    string `yaml:"name"`
	Slack   string `yaml:"slack"`
	Discord string `yaml:"discord"`
	Console string `yaml:"console"`
}

// Roles lists the people (by person id) and Discord roles for each role.
type Roles struct {
	Engineers Role `yaml:"engineers"`
	Approvers Role `yaml:"approvers"`
}

// Role is a set of people plus, on Discord, role ids whose members hold it.
type Role struct {
	People       []string `yaml:"people"`
	DiscordRoles []string `yaml:"discord_roles"`
}

// Environment is one deployment of the application (staging, prod, …).
type Environment struct {
	Name       string `yaml:"-"`
	Label      string `yaml:"label"`
	Production bool   `yaml:"production"`
	Colour     string `yaml:"colour"`
	// Timezone is an IANA zone used for times in notices.
	Timezone string `yaml:"timezone"`
	// OpsChannel is where requests are accepted and progress is posted.
	OpsChannel Channels `yaml:"ops_channel"`
	// StatusChannels receive user-facing notices.
	StatusChannels StatusChannels `yaml:"status_channels"`
	// Approvals is the number of approvals each action needs (resync defaults
	// to 1 in a production environment, everything else to 0).
	Approvals Approvals `yaml:"approvals"`
	// AllowUnapproved must be true for a production env whose resync needs 0 approvals.
	AllowUnapproved bool `yaml:"allow_unapproved"`
	// RequireReason makes reason="…" mandatory on /resync.
	RequireReason bool          `yaml:"require_reason"`
	ApprovalTTL   time.Duration `yaml:"approval_ttl"`

	Elasticsearch Elasticsearch `yaml:"elasticsearch"`
	Indexes       []*Index      `yaml:"indexes"`

	BatchSize  int `yaml:"batch_size"`
	Workers    int `yaml:"workers"`
	FlushBytes int `yaml:"flush_bytes"`
	// GenerationsKept is how many generations survive pruning (min 1).
	GenerationsKept int `yaml:"generations_kept"`
	// KeepAbortedIndexes keeps the half-built indexes of an aborted job for inspection.
	KeepAbortedIndexes bool `yaml:"keep_aborted_indexes"`
	// MaxBadRecords is how many unusable source records a job tolerates.
	MaxBadRecords int `yaml:"max_bad_records"`

	Notices Notices `yaml:"notices"`
}

// Channels names one channel per platform.
type Channels struct {
	Slack   string `yaml:"slack"`
	Discord string `yaml:"discord"`
	Console string `yaml:"console"`
}

// StatusChannels lists the destinations of user-facing notices.
type StatusChannels struct {
	Slack   []string `yaml:"slack"`
	Discord []string `yaml:"discord"`
	Console []string `yaml:"console"`
	// Teams names webhooks from platforms.teams.webhooks.
	Teams []string `yaml:"teams"`
}

// Approvals is the number of approvals per action; 0 means none needed.
type Approvals struct {
	Resync  int `yaml:"resync"`
	Restore int `yaml:"restore"`
	Notice  int `yaml:"notice"`
}

// Elasticsearch is how to reach an environment's cluster.
type Elasticsearch struct {
	URLs     []string `yaml:"urls" secret:"url"`
	Username string   `yaml:"username"`
	Password string   `yaml:"password" secret:"true"`
	APIKey   string   `yaml:"api_key" secret:"true"`
	// CACert is a PEM file path for TLS, relative to the config file (Config.Resolve).
	CACert string `yaml:"ca_cert"`
	// MaxRetries for whole requests answered 429/502/503/504.
	MaxRetries int           `yaml:"max_retries"`
	Timeout    time.Duration `yaml:"timeout"`
}

// Index is one alias the application reads and how to rebuild it.
type Index struct {
	// Alias is the name the application reads; generations are {alias}-{generation}.
	Alias string `yaml:"alias"`
	// Mapping is a JSON file with {"settings":…,"mappings":…} (relative to the config file).
	Mapping string `yaml:"mapping"`
	// MappingJSON is the mapping file's content, read by Load.
	MappingJSON []byte    `yaml:"-"`
	Source      Source    `yaml:"source"`
	Transform   Transform `yaml:"transform"`
	// RequiredFields must be present in every document before the swap.
	RequiredFields []string `yaml:"required_fields"`
	Checks         []Check  `yaml:"checks"`
	// WriteIndex sets is_write_index on the alias when swapping.
	WriteIndex bool `yaml:"write_index"`
	// BatchSize and Workers override the environment's when set; after Parse
	// they hold the effective values (the environment's when not set).
	BatchSize int `yaml:"batch_size"`
	Workers   int `yaml:"workers"`
}

// Source kinds.
const (
	SourceGenerate      = "generate"
	SourceNDJSON        = "ndjson"
	SourceHTTP          = "http"
	SourceElasticsearch = "elasticsearch"
)

// Source says where an index's records come from. Type picks which fields apply.
type Source struct {
	Type string `yaml:"type"`

	// generate
	Count   int64    `yaml:"count"`
	Seed    int64    `yaml:"seed"`
	Corrupt *Corrupt `yaml:"corrupt"`
	// Kind picks the record shape for generate: doctor (default), recommendation, connection.
	Kind string `yaml:"kind"`

	// ndjson: a file path, relative to the config file (Config.Resolve).
	Path string `yaml:"path"`

	// http and elasticsearch
	URL      string        `yaml:"url" secret:"url"`
	Username string        `yaml:"username"`
	Password string        `yaml:"password" secret:"true"`
	Token    string        `yaml:"token" secret:"true"`
	APIKey   string        `yaml:"api_key" secret:"true"`
	Timeout  time.Duration `yaml:"timeout"`
	Retries  int           `yaml:"retries"`

	// http
	ItemsPath      string `yaml:"items_path"`
	NextCursorPath string `yaml:"next_cursor_path"`
	CursorParam    string `yaml:"cursor_param"`
	PageParam      string `yaml:"page_param"`
	PageSizeParam  string `yaml:"page_size_param"`
	// PageSize is the records per request, for http and elasticsearch sources.
	PageSize  int    `yaml:"page_size"`
	TotalPath string `yaml:"total_path"`

	// elasticsearch
	Index     string `yaml:"index"`
	SortField string `yaml:"sort_field"`
}

// Corrupt damages generated records on purpose, for tests and rehearsals.
type Corrupt struct {
	// Fields are removed from (or, with Rename, renamed in) every Every-th record.
	Fields []string          `yaml:"fields"`
	Rename map[string]string `yaml:"rename"`
	Every  int64             `yaml:"every"`
}

// Transform reshapes records before they are written.
type Transform struct {
	// IDField is the record field whose value becomes the document _id.
	IDField string            `yaml:"id_field"`
	Rename  map[string]string `yaml:"rename"`
	Drop    []string          `yaml:"drop"`
	Set     map[string]any    `yaml:"set"`
}

// Check is a custom verification: the count of documents matching Query must lie in [Min, Max].
type Check struct {
	Name string `yaml:"name"`
	// Query is an Elasticsearch query object, written as YAML.
	Query map[string]any `yaml:"query"`
	Min   *int64         `yaml:"min"`
	Max   *int64         `yaml:"max"`
}

// Notices switches automatic notices and overrides their templates.
type Notices struct {
	OnStart   *bool `yaml:"on_start"`
	OnSuccess *bool `yaml:"on_success"`
	OnFailure *bool `yaml:"on_failure"`
	OnAbort   *bool `yaml:"on_abort"`
	OnRestore *bool `yaml:"on_restore"`
	// Templates maps an event or state name to a Go text/template.
	Templates map[string]string `yaml:"templates"`
}

// Platforms holds credentials per chat platform. A platform without
// credentials is off, and Parse leaves its pointer nil: nil means off.
type Platforms struct {
	Slack   *Slack   `yaml:"slack"`
	Discord *Discord `yaml:"discord"`
	Teams   *Teams   `yaml:"teams"`
}

// Slack configures the Slack adapter.
type Slack struct {
	BotToken      string `yaml:"bot_token" secret:"true"`
	SigningSecret string `yaml:"signing_secret" secret:"true"`
	// AppToken (xapp-…) turns on Socket Mode.
	AppToken string `yaml:"app_token" secret:"true"`
	// APIURL points the client elsewhere (tests); must end in "/".
	APIURL string `yaml:"api_url" secret:"url"`
}

// Discord configures the Discord adapter.
type Discord struct {
	ApplicationID string `yaml:"application_id"`
	// PublicKey (hex Ed25519) verifies interactions; it is not a secret.
	PublicKey string `yaml:"public_key"`
	BotToken  string `yaml:"bot_token" secret:"true"`
	GuildID   string `yaml:"guild_id"`
	APIURL    string `yaml:"api_url" secret:"url"`
}

// Teams names Workflows webhook URLs; they carry a signature and are secrets.
// After Parse every URL in Webhooks is non-empty.
type Teams struct {
	Webhooks map[string]string `yaml:"webhooks" secret:"true"`
}

// Notify tunes progress messages and notice delivery.
type Notify struct {
	ProgressInterval time.Duration `yaml:"progress_interval"`
	MaxAttempts      int           `yaml:"max_attempts"`
}
