package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Vote records person's approve or deny on request id in one compare-and-set,
// so concurrent clicks (on any replica) agree on a single outcome:
//
//   - no such request: ErrNotFound;
//   - already expired, or past its expiry now: RefusedExpired (and the
//     request becomes expired, with Changed set, if this click noticed it);
//   - already approved, denied or cancelled: RefusedResolved; the request's
//     DecidedBy and DecidedAt say by whom and when;
//   - person is the requester: RefusedOwnRequest;
//   - person has voted already: RefusedAlreadyVoted, nothing changes;
//   - deny: the request is denied;
//   - approve: the vote is recorded, and once Needed distinct people have
//     approved the request is approved, decided by this vote.
//
// Every click, refused or not, is written to the audit stream.
func (s *Store) Vote(ctx context.Context, id, person string, approve bool) (Outcome, error) {
	if person == "" {
		return Outcome{}, fmt.Errorf("vote on approval request %s: no person", id)
	}
	now, clock := s.clockArgs()
	vote, err := json.Marshal(storedVote{Person: person, Approve: approve, At: now.UnixMilli()})
	if err != nil {
		return Outcome{}, fmt.Errorf("vote on approval request %s: %w", id, err)
	}
	flag := "0"
	if approve {
		flag = "1"
	}
	args := slices.Concat(clock, []any{person, flag, string(vote)})
	o, err := s.transition(ctx, voteScript, id, args)
	if err != nil {
		return Outcome{}, fmt.Errorf("vote on approval request %s: %w", id, err)
	}
	return o, nil
}

// Cancel withdraws request id on behalf of person. Only the requester can
// cancel (RefusedNotRequester otherwise), and only while it is pending
// (RefusedResolved or RefusedExpired otherwise, as for Vote).
func (s *Store) Cancel(ctx context.Context, id, person string) (Outcome, error) {
	if person == "" {
		return Outcome{}, fmt.Errorf("cancel approval request %s: no person", id)
	}
	_, clock := s.clockArgs()
	o, err := s.transition(ctx, cancelScript, id, slices.Concat(clock, []any{person}))
	if err != nil {
		return Outcome{}, fmt.Errorf("cancel approval request %s: %w", id, err)
	}
	return o, nil
}

// transition runs a transition script on request id and reads its answer.
func (s *Store) transition(ctx context.Context, script *redis.Script, id string, args []any) (Outcome, error) {
	res, err := script.Run(ctx, s.rdb, s.keys(id), args...).Result()
	if errors.Is(err, redis.Nil) {
		return Outcome{}, ErrNotFound
	}
	if err != nil {
		return Outcome{}, err
	}
	return decodeReply(res)
}

// Expire moves every pending request that is past its expiry to expired and
// returns them, so the caller can edit their messages and remove the
// buttons. Each transition is a compare-and-set: when several replicas sweep
// at once, or a click notices the expiry first, each expired request is
// reported to exactly one of them. On an error the requests expired so far
// are returned with it, since no later sweep will report them again.
func (s *Store) Expire(ctx context.Context) ([]*Request, error) {
	now, clock := s.clockArgs()
	ids, err := s.rdb.ZRangeByScore(ctx, s.pendingKey(), &redis.ZRangeBy{
		Min: "-inf",
		Max: strconv.FormatInt(now.UnixMilli(), 10),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("expire approval requests: %w", err)
	}
	var expired []*Request
	for _, id := range ids {
		res, err := expireScript.Run(ctx, s.rdb, s.keys(id), slices.Concat(clock, []any{id})...).Result()
		if errors.Is(err, redis.Nil) {
			continue // decided, expired by someone else, or not due
		}
		if err != nil {
			return expired, fmt.Errorf("expire approval request %s: %w", id, err)
		}
		o, err := decodeReply(res)
		if err != nil {
			return expired, fmt.Errorf("expire approval request %s: %w", id, err)
		}
		expired = append(expired, o.Request)
	}
	return expired, nil
}
