package config

import "time"

// Defaults. Every default resyncbot applies is listed here and applied by
// applyDefaults, and nowhere else. A default fills a key that the file leaves
// out, leaves null, or sets to an empty string (so "${VAR:-}" means "the
// default"); a value the file gives, even 0 or false, is kept and validated.
//
//	key                                        default
//	redis.prefix                               "resyncbot:"
//	server.addr                                ":8080"
//	server.handler_timeout                     10s
//	server.recover_interval                    30s
//	server.lock_ttl                            15s
//	server.expire_interval                     15s
//	notify.progress_interval                   3s
//	notify.max_attempts                        8
//	environments.*.label                       the environment's name
//	environments.*.timezone                    UTC
//	environments.*.approvals.resync            1 if production: true, else 0
//	environments.*.approvals.restore           0
//	environments.*.approvals.notice            0
//	environments.*.approval_ttl                30m
//	environments.*.batch_size                  1000
//	environments.*.workers                     2
//	environments.*.flush_bytes                 5 MiB (5242880)
//	environments.*.generations_kept            2
//	environments.*.max_bad_records             0
//	environments.*.notices.on_*                true (every automatic notice on)
//	environments.*.elasticsearch.timeout       30s
//	environments.*.elasticsearch.max_retries   3
//	environments.*.indexes[*].batch_size       the environment's batch_size
//	environments.*.indexes[*].workers          the environment's workers
//	…indexes[*].source.kind (generate)         doctor
//	…indexes[*].source.corrupt.every           1 (every record)
//	…indexes[*].source.timeout (http, es)      30s
//	…indexes[*].source.retries (http, es)      5
//	…indexes[*].source.page_size (http, es)    500
const (
	DefaultRedisPrefix      = "resyncbot:"
	DefaultServerAddr       = ":8080"
	DefaultHandlerTimeout   = 10 * time.Second
	DefaultRecoverInterval  = 30 * time.Second
	DefaultLockTTL          = 15 * time.Second
	DefaultExpireInterval   = 15 * time.Second
	DefaultProgressInterval = 3 * time.Second
	DefaultMaxAttempts      = 8

	DefaultTimezone           = "UTC"
	DefaultProdResyncApproval = 1
	DefaultApprovalTTL        = 30 * time.Minute
	DefaultBatchSize          = 1000
	DefaultWorkers            = 2
	DefaultFlushBytes         = 5 << 20
	DefaultGenerationsKept    = 2
	DefaultMaxBadRecords      = 0

	DefaultESTimeout    = 30 * time.Second
	DefaultESMaxRetries = 3

	DefaultGenerateKind   = "doctor"
	DefaultCorruptEvery   = 1
	DefaultSourceTimeout  = 30 * time.Second
	DefaultSourceRetries  = 5
	DefaultSourcePageSize = 500
)

// applyDefaults fills every field the file did not set (see the table above).
func applyDefaults(c *Config, set fieldSet) {
	def(set, &c.Redis.Prefix, DefaultRedisPrefix)
	def(set, &c.Server.Addr, DefaultServerAddr)
	def(set, &c.Server.HandlerTimeout, DefaultHandlerTimeout)
	def(set, &c.Server.RecoverInterval, DefaultRecoverInterval)
	def(set, &c.Server.LockTTL, DefaultLockTTL)
	def(set, &c.Server.ExpireInterval, DefaultExpireInterval)
	def(set, &c.Notify.ProgressInterval, DefaultProgressInterval)
	def(set, &c.Notify.MaxAttempts, DefaultMaxAttempts)

	for _, name := range c.EnvironmentOrder {
		e := c.Environments[name]
		def(set, &e.Label, name)
		def(set, &e.Timezone, DefaultTimezone)
		if e.Production {
			def(set, &e.Approvals.Resync, DefaultProdResyncApproval)
		}
		def(set, &e.ApprovalTTL, DefaultApprovalTTL)
		def(set, &e.BatchSize, DefaultBatchSize)
		def(set, &e.Workers, DefaultWorkers)
		def(set, &e.FlushBytes, DefaultFlushBytes)
		def(set, &e.GenerationsKept, DefaultGenerationsKept)
		def(set, &e.MaxBadRecords, DefaultMaxBadRecords)
		for _, p := range []**bool{&e.Notices.OnStart, &e.Notices.OnSuccess, &e.Notices.OnFailure, &e.Notices.OnAbort, &e.Notices.OnRestore} {
			if *p == nil {
				on := true
				*p = &on
			}
		}
		def(set, &e.Elasticsearch.Timeout, DefaultESTimeout)
		def(set, &e.Elasticsearch.MaxRetries, DefaultESMaxRetries)

		for _, ix := range e.Indexes {
			def(set, &ix.BatchSize, e.BatchSize)
			def(set, &ix.Workers, e.Workers)
			s := &ix.Source
			switch s.Type {
			case SourceGenerate:
				def(set, &s.Kind, DefaultGenerateKind)
				if s.Corrupt != nil {
					def(set, &s.Corrupt.Every, DefaultCorruptEvery)
				}
			case SourceHTTP, SourceElasticsearch:
				def(set, &s.Timeout, DefaultSourceTimeout)
				def(set, &s.Retries, DefaultSourceRetries)
				def(set, &s.PageSize, DefaultSourcePageSize)
			}
		}
	}
}

// def sets *field to v unless the file gave it a value.
func def[T any](set fieldSet, field *T, v T) {
	if !set.has(field) {
		*field = v
	}
}
