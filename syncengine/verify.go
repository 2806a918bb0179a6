package syncengine

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/resyncbot/resyncbot/config"
)

// CheckResult is one check of the gate before the swap.
type CheckResult struct {
	Alias    string   `json:"alias"`
	Name     string   `json:"name"`
	Expected string   `json:"expected"`
	Found    string   `json:"found"`
	OK       bool     `json:"ok"`
	Examples []string `json:"examples,omitempty"`
}

// VerifyError refuses a swap: the new data failed the checks. The live
// aliases are untouched and the new indexes are kept for inspection.
type VerifyError struct {
	Checks []CheckResult
}

func (e *VerifyError) Error() string {
	parts := make([]string, 0, len(e.Checks))
	for _, c := range e.Checks {
		p := fmt.Sprintf("%s: %s expected %s, found %s", c.Alias, c.Name, c.Expected, c.Found)
		if len(c.Examples) > 0 {
			p += " (e.g. ids " + strings.Join(c.Examples, ", ") + ")"
		}
		parts = append(parts, p)
	}
	return "verification failed, swap refused: " + strings.Join(parts, "; ")
}

// verify puts each new index's live settings back, refreshes it, and runs
// the checks: the count equals the documents written, no document lacks a
// required field, and every custom check's count is within its bounds.
func (e *Engine) verify(ctx context.Context, env *config.Environment, runs []*indexRun) ([]CheckResult, error) {
	t := e.target(env.Name)
	var out []CheckResult
	for _, r := range runs {
		live, err := liveSettings(r.spec.MappingJSON)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", r.index, err)
		}
		if err := t.PutSettings(ctx, r.index, live); err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		if err := t.Refresh(ctx, r.index); err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		n, err := t.Count(ctx, r.index, nil)
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		out = append(out, CheckResult{
			Alias: r.spec.Alias, Name: "document count",
			Expected: strconv.FormatInt(r.written, 10), Found: strconv.FormatInt(n, 10),
			OK: n == r.written,
		})
		for _, field := range r.spec.RequiredFields {
			q := map[string]any{"bool": map[string]any{"must_not": []any{map[string]any{"exists": map[string]any{"field": field}}}}}
			missing, err := t.Count(ctx, r.index, q)
			if err != nil {
				return nil, fmt.Errorf("verify: %w", err)
			}
			c := CheckResult{
				Alias: r.spec.Alias, Name: "documents missing " + field,
				Expected: "0", Found: strconv.FormatInt(missing, 10), OK: missing == 0,
			}
			if missing > 0 {
				c.Examples, _ = t.SampleIDs(ctx, r.index, q, 5)
			}
			out = append(out, c)
		}
		for _, chk := range r.spec.Checks {
			n, err := t.Count(ctx, r.index, chk.Query)
			if err != nil {
				return nil, fmt.Errorf("verify check %q: %w", chk.Name, err)
			}
			ok := (chk.Min == nil || n >= *chk.Min) && (chk.Max == nil || n <= *chk.Max)
			out = append(out, CheckResult{
				Alias: r.spec.Alias, Name: chk.Name,
				Expected: bounds(chk.Min, chk.Max), Found: strconv.FormatInt(n, 10), OK: ok,
			})
		}
	}
	return out, nil
}

func bounds(min, max *int64) string {
	switch {
	case min != nil && max != nil:
		return fmt.Sprintf("between %d and %d", *min, *max)
	case min != nil:
		return fmt.Sprintf("at least %d", *min)
	case max != nil:
		return fmt.Sprintf("at most %d", *max)
	}
	return "any"
}

func failedChecks(cs []CheckResult) []CheckResult {
	var out []CheckResult
	for _, c := range cs {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

func encodeChecks(cs []CheckResult) string {
	b, _ := json.Marshal(cs)
	return string(b)
}

// liveSettings returns the replicas and refresh interval the mapping file
// asks for, which the engine turns off while copying.
func liveSettings(mapping []byte) (map[string]any, error) {
	live := map[string]any{"number_of_replicas": 1, "refresh_interval": "1s"}
	if len(mapping) == 0 {
		return live, nil
	}
	var body struct {
		Settings map[string]any `json:"settings"`
	}
	if err := json.Unmarshal(mapping, &body); err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	s := body.Settings
	if idx, ok := s["index"].(map[string]any); ok {
		s = idx
	}
	for _, k := range []string{"number_of_replicas", "refresh_interval"} {
		if v, ok := s[k]; ok {
			live[k] = v
		}
	}
	return live, nil
}
