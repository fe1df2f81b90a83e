package samples

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Draw picks one world of the attacker space from seed: with or without an
// attack (one in ten has none), every attacker axis drawn independently,
// and the background and the week's activity drawn too, so that no
// detector can learn one level of noise. The same seed always gives the
// same world. Seeds below 1000 are for tuning; 1000 and up for measuring.
func Draw(seed uint64) Scenario { return draw(seed, false) }

// DrawQuiet picks a week without attack from seed: its background and
// activity drawn as Draw draws them.
func DrawQuiet(seed uint64) Scenario { return draw(seed, true) }

func draw(seed uint64, quiet bool) Scenario {
	r := rand.New(rand.NewPCG(seed, 0xd4a3))
	s := Scenario{
		Name:    "random",
		HeldOut: seed >= 1000,
		Background: Background{
			Scripts:    1 + r.IntN(5),
			ScriptRate: uniform(r, 4, 25),
			Bursts:     r.IntN(4),
			BurstSize:  [2]int{20, 150},
			GiveUp:     uniform(r, 1.0/300, 1.0/80),
		},
		Population: Population{Activity: uniform(r, 0.7, 2), NATShare: uniform(r, 0.01, 0.08)},
	}
	if r.IntN(10) == 0 || quiet {
		s.Name = "quiet"
		if !quiet {
			s.Name = "random"
		}
		s.Description = fmt.Sprintf("drawn from seed %d: a week without attack; %s", seed, s.Spec())
		return s
	}
	a := &Attacker{Shape: pick(r, "own", "common", "victim")}
	switch a.Shape {
	case "own":
		if r.IntN(2) == 0 {
			a.Agents, a.Tool = "tool", toolAgents[r.IntN(len(toolAgents))]
			a.Language = pick(r, "", "", "en", "*")
		} else {
			a.Agents = "browsers"
			a.Language = pick(r, "en-US,en;q=0.9", "en-US", "ru-RU,ru;q=0.9,en;q=0.8", "")
		}
		a.Form = pick(r, "none", "fast")
	case "common":
		a.Agents, a.Language, a.Form = "browsers", "common", "typical"
	case "victim":
		a.Agents, a.Language, a.Form = "browsers", "victim", "human"
	}
	a.Assets = "never"
	if a.Form != "none" {
		a.Assets = pick(r, "never", "sometimes", "always")
	}
	a.Addresses = pick(r, "datacenter", "residential", "victim-country")
	if a.Addresses == "datacenter" {
		a.Pool = 3 + r.IntN(10)
	}
	a.Pace = pick(r, "burst", "steady", "trickle")
	switch a.Pace {
	case "burst":
		a.Hours = uniform(r, 2, 6)
	case "steady":
		a.Hours = uniform(r, 12, 48)
	case "trickle":
		a.Hours = uniform(r, 72, 120)
	}
	a.Hours = math.Round(a.Hours*10) / 10
	a.Diurnal = r.IntN(2) == 0
	a.EndBefore = math.Round(uniform(r, 2, 30)*10) / 10
	a.TargetShare = logUniform(r, 0.004, 0.08)
	if r.IntN(6) > 0 {
		a.UnknownShare = uniform(r, 0, 0.5)
	}
	a.ValidShare = logUniform(r, 0.03, 0.3)
	a.Retry = uniform(r, 0, 0.2)
	a.After = pick(r, "enrol", "pause-enrol", "nothing")
	a.EnrolShare = uniform(r, 0.5, 1)
	switch a.After {
	case "enrol":
		a.EnrolDelay = [2]float64{1, 10}
	case "pause-enrol":
		a.EnrolDelay = [2]float64{20, 150}
	}
	a.SecondFactor = pick(r, "leave", "guess")
	a.Browse = r.IntN(3)
	a.Tamper = r.IntN(7) == 0
	s.Attacker = a
	s.Description = fmt.Sprintf("drawn from seed %d: %s", seed, s.Spec())
	return s
}

func pick(r *rand.Rand, options ...string) string { return options[r.IntN(len(options))] }

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(uniform(r, math.Log(lo), math.Log(hi)))
}
