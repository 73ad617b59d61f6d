// The capacity planner's answers: forecasts at each series' own step (against a brute force
// over every tick), plans that respect capacity (a case computed by hand), power caps that
// hold through a hot spell (every interval of the trace), and exact coverage of a series.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "models/cooling/cooling.hpp"
#include "models/cooling/weather.hpp"
#include "models/fleet/forecast.hpp"
#include "models/grid/series.hpp"
#include "models/grid/series_carbon.hpp"
#include "sim/app/scenario/run.hpp"
#include "sim/app/scenario/scenario.hpp"
#include "sim/kernel/schema/trace_schema.hpp"
#include "sim/kernel/units/utc.hpp"

using namespace footprint;
using engine::SimTime;

namespace {

scenario::RunResult run(const std::string& yaml, unsigned threads = 2) {
  const auto sc = scenario::parse_scenario(yaml, "test.yaml");
  return scenario::run_scenario(sc, {.threads = threads});
}

/// A file in a fresh temporary folder, removed with it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fp-planner-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path dir_;
};

constexpr std::int64_t kJan2020 = 1577836800;  // 2020-01-01T00:00:00Z
constexpr std::int64_t kJan2022 = 1640995200;  // 2022-01-01T00:00:00Z

/// Three days of hourly intensity from 2022-01-01: 500 g/kWh except 10:00-14:00 on the
/// first day (100 g/kWh), written as grid.csv in `dir`; its path.
std::string clean_hours_grid(const TempDir& dir) {
  std::string csv = "timestamp_utc,gco2_per_kwh\n";
  for (int h = 0; h < 72; ++h) {
    csv += fmt::format("{},{}\n", units::format_utc(kJan2022 + 3600LL * h),
                       h >= 10 && h < 14 ? 100 : 500);
  }
  return dir.write("grid.csv", csv);
}

/// The emissions weight of 1 W over [from, to) straight from the signal: the integral of
/// its location-based intensity x `pue`, change by change (g/W).
double direct(const models::CarbonSignal& c, double pue, SimTime from, SimTime to) {
  double g = 0;
  for (SimTime t = from; t < to;) {
    const SimTime next = std::min(c.next_change(t), to);
    g += c.at(t).location.si() * pue * (next - t).to_seconds();
    t = next;
  }
  return g;
}

/// A synthetic 5-minute series over 30 days from 2020-01-01: a daily cycle with a
/// 20-minute ripple, so that 5-minute minima differ from hourly ones.
models::TimeSeries five_minute_series() {
  models::TimeSeries s;
  s.source = "synthetic 5-minute";
  constexpr int kSteps = 30 * 24 * 12;
  for (int k = 0; k < kSteps; ++k) {
    const double hours = k / 12.0;
    s.t_s.push_back(kJan2020 + 300LL * k);
    s.value.push_back(300 + 150 * std::sin(2 * M_PI * hours / 24) +
                      60 * std::sin(2 * M_PI * hours * 3) + 10 * ((k * 7919) % 13) / 13.0);
  }
  return s;
}

/// The same series averaged to whole hours (as an hourly forecast would see it).
models::TimeSeries hourly_mean(const models::TimeSeries& s) {
  models::TimeSeries h;
  h.source = s.source + " (hourly means)";
  std::size_t k = 0;
  for (std::int64_t hour = s.t_s.front() / 3600 * 3600; k < s.t_s.size(); hour += 3600) {
    double g = 0;
    for (std::int64_t t = hour; t < hour + 3600;) {
      while (k + 1 < s.t_s.size() && s.t_s[k + 1] <= t) {
        ++k;
      }
      const std::int64_t next =
          k + 1 < s.t_s.size() ? std::min(s.t_s[k + 1], hour + 3600) : hour + 3600;
      g += s.value[k] * static_cast<double>(next - t);
      t = next;
    }
    h.t_s.push_back(hour);
    h.value.push_back(g / 3600);
    if (k + 1 >= s.t_s.size()) {
      break;
    }
  }
  return h;
}

}  // namespace

TEST_CASE("Carbon-aware plans use each series at its own step, as a brute force over every tick",
          "[scheduling][planner]") {
  // The 15-minute German, the 30-minute French and the mixed-step British 2020 series of
  // ../shared/data (ENTSO-E and Carbon Intensity API via the files' README), and a
  // synthetic 5-minute one. For jobs of several durations and slacks, the forecast's
  // weights equal the integral of the series itself, and its choice is the minimum over
  // every dispatch tick of the window (within the forecast's tie tolerance, 1e-9). Choices
  // made on hourly means of the same series are worse for some jobs: the step matters.
  std::vector<models::TimeSeries> sources{five_minute_series()};
  for (const char* name : {"de_2020_native.csv", "fr_2020_native.csv", "gb_2020_native.csv"}) {
    const auto path = std::filesystem::path(FOOTPRINT_SHARED_DIR) / "data/grid" / name;
    if (std::filesystem::exists(path)) {
      std::vector<std::string> warnings;
      sources.push_back(models::load_intensity_csv(path, {}, warnings));
    } else {
      WARN("no " << path << ": skipped");
    }
  }
  const double pue = 1.2;
  const models::ConstantPue cooling(pue);
  const SimTime epoch = SimTime::minutes(5);
  for (const auto& series : sources) {
    INFO("series " << series.source);
    const auto mean = hourly_mean(series);
    const models::SeriesCarbon carbon(kJan2020, series, models::MarketAccounting::location_based(),
                                      models::Repeat::none);
    const models::SeriesCarbon coarse(kJan2020, mean, models::MarketAccounting::location_based(),
                                      models::Repeat::none);
    models::FleetTables t;
    t.types.push_back(models::AcceleratorType{});
    t.candidates = {0};
    const double durations_h[] = {0.4, 1.0, 2.75, 7.1};
    const double slacks_h[] = {1.0, 6.0, 24.0};
    for (int k = 0; k < 24; ++k) {
      models::FleetJob f;
      f.devices = 1;
      f.submit = SimTime::from_seconds(3600.0 * 23.3 * k + 437.0);
      f.duration = SimTime::from_seconds(3600.0 * durations_h[k % 4]);
      f.slack = SimTime::from_seconds(3600.0 * slacks_h[k % 3]);
      f.candidate_count = 1;
      t.jobs.push_back(f);
    }
    std::vector<models::DatacenterView> views(1);
    views[0].inventory = {1};
    views[0].cooling = &cooling;
    views[0].carbon = &carbon;
    auto coarse_views = views;
    coarse_views[0].carbon = &coarse;
    const SimTime horizon = SimTime::days(28);
    const models::CarbonForecast f(&t, views, horizon, 0.0, 1);
    const models::CarbonForecast hourly(&t, coarse_views, horizon, 0.0, 1);
    int coarse_worse = 0;
    for (std::uint32_t j = 0; j < t.jobs.size(); ++j) {
      INFO("job " << j);
      const auto& job = t.jobs[j];
      const auto e = epoch.count();
      const auto first = ((job.submit.count() + e - 1) / e) * e;
      const auto last = ((job.submit + job.slack).count() / e) * e;
      double best = INFINITY;
      for (auto s = first; s <= last; s += e) {
        const SimTime b = SimTime::ticks(s) + epoch;
        const double w = direct(carbon, pue, b, b + job.duration);
        best = std::min(best, w);
        if (s % (6 * e) == 0) {  // the forecast's own weight, at a sample of ticks
          CHECK(f.weight(0, b, b + job.duration) == Approx(w).epsilon(1e-9));
        }
      }
      const auto [tick, dc] = *f.best_start(j, job.submit, epoch);
      const SimTime b = tick + epoch;
      CHECK(dc == 0);
      CHECK(tick.count() >= first);
      CHECK(tick.count() <= last);
      CHECK(direct(carbon, pue, b, b + job.duration) <= best * (1 + 1e-9));
      const auto [htick, hdc] = *hourly.best_start(j, job.submit, epoch);
      const SimTime hb = htick + epoch;
      coarse_worse += direct(carbon, pue, hb, hb + job.duration) > best * (1 + 1e-6) ? 1 : 0;
    }
    CHECK(coarse_worse > 0);
  }
}

TEST_CASE("Carbon-aware plans respect capacity: a case computed by hand", "[scheduling][planner]") {
  // One datacenter of 8 V100s, PUE 1, no idle draw; the grid is at 500 g/kWh except from
  // 10:00 to 14:00 on the first day (100 g/kWh). Three jobs of 8 devices x 2 h (300 W
  // each: 4.8 kWh) arrive at 00:00 with 24 h of slack. Planned each alone, all three
  // would choose 10:00 and the third would queue until 14:00. Planned against the
  // capacity left: a takes 10:00-12:00, b the hour after it, and c, for which every
  // remaining start is as dirty, takes the earliest: dispatched at 00:00, started one
  // epoch (1 min) later. b is planned for 12:00 but starts at 12:02: a's end is reported
  // one epoch late and b is dispatched at the next tick, so b runs 118 min at 100 g/kWh
  // and 2 min at 500: 4.8 kWh x (118 x 100 + 2 x 500) / 120 = 512 g.
  TempDir dir;
  const auto path = clean_hours_grid(dir);
  const auto r = run(fmt::format(R"(
name: planned
epoch: 2022-01-01T00:00:00Z
scheduler: {{ policy: carbon-aware, epoch: 1 min }}
regions: [ {{ name: r, intensity: {{ file: {} }} }} ]
datacenters: [ {{ name: dc, region: r, pue: 1.0, idle: off, accelerators: {{ V100: 8 }} }} ]
jobs:
  - {{ name: a, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 2 h, mfu: 0.3, power: 300 W, submit: 0 s, slack: 24 h }}
  - {{ name: b, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 2 h, mfu: 0.3, power: 300 W, submit: 0 s, slack: 24 h }}
  - {{ name: c, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 2 h, mfu: 0.3, power: 300 W, submit: 0 s, slack: 24 h }}
)",
                                 path));
  CHECK(units::to_seconds(r.jobs[0].start) == 10 * 3600.0);
  CHECK(units::to_seconds(r.jobs[1].start) == 12 * 3600.0 + 120);
  CHECK(units::to_seconds(r.jobs[2].start) == 60.0);
  // 4.8 kWh at 100 g/kWh = 480 g; at 500 g/kWh = 2,400 g.
  CHECK(units::to_grams(r.jobs[0].emissions_location) == Approx(480).epsilon(1e-9));
  CHECK(units::to_grams(r.jobs[1].emissions_location) == Approx(512).epsilon(1e-9));
  CHECK(units::to_grams(r.jobs[2].emissions_location) == Approx(2400).epsilon(1e-9));
}

TEST_CASE("Datacenters with one forecast are planned together, each start in the first with room",
          "[scheduling][planner]") {
  // The case above in two identical datacenters of one region (one forecast class) and
  // four jobs. Each plan looks at the class once, over the ticks where either has room,
  // and a start goes to the lower index with room at that tick: a to dc-1 at 10:00, b to
  // dc-2 at 10:00 (dc-1 is booked), c to dc-1 at 12:00 and d to dc-2 at 12:00, both
  // starting 2 min late as b did above (512 g each).
  TempDir dir;
  const auto path = clean_hours_grid(dir);
  std::string jobs;
  for (const char* name : {"a", "b", "c", "d"}) {
    jobs += fmt::format(
        "  - {{ name: {}, type: training, datacenters: [dc-1, dc-2], accelerator: V100, "
        "devices: 8, work: 2 h, mfu: 0.3, power: 300 W, submit: 0 s, slack: 24 h }}\n",
        name);
  }
  const auto r = run(fmt::format(R"(
name: planned-class
epoch: 2022-01-01T00:00:00Z
scheduler: {{ policy: carbon-aware, epoch: 1 min }}
regions: [ {{ name: r, intensity: {{ file: {} }} }} ]
datacenters:
  - {{ name: dc-1, region: r, pue: 1.0, idle: off, accelerators: {{ V100: 8 }} }}
  - {{ name: dc-2, region: r, pue: 1.0, idle: off, accelerators: {{ V100: 8 }} }}
jobs:
{})",
                                 path, jobs));
  REQUIRE(r.jobs.size() == 4);
  const std::uint32_t dcs[] = {0, 1, 0, 1};
  const double starts[] = {10 * 3600.0, 10 * 3600.0, 12 * 3600.0 + 120, 12 * 3600.0 + 120};
  const double grams[] = {480, 480, 512, 512};
  for (std::size_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    CHECK(r.jobs[k].datacenter == dcs[k]);
    CHECK(units::to_seconds(r.jobs[k].start) == starts[k]);
    CHECK(units::to_grams(r.jobs[k].emissions_location) == Approx(grams[k]).epsilon(1e-9));
  }
}

namespace {

/// A typical-year weather file at 20 C, dry, except `hot` (first-day UTC hours) at 40 C.
std::string weather_csv(const std::vector<int>& hot) {
  std::string csv = "timestamp_utc_nominal2022,dry_bulb_c,dew_point_c,rel_humidity_pct\n";
  for (int h = 0; h < 8760; ++h) {
    const bool is_hot = std::find(hot.begin(), hot.end(), h) != hot.end();
    csv += fmt::format("{},{},5,{}\n", units::format_utc(kJan2022 + 3600LL * h).substr(0, 16) + "Z",
                       is_hot ? 40 : 20, is_hot ? 10 : 40);
  }
  return csv;
}

/// The facility power of `it_w` watts of IT under the economizer-chiller defaults at a
/// dry outdoor temperature (docs/cooling.md): 1/0.96 for distribution, 5 % fans and pumps,
/// and the chiller's 1/COP above 35 C (m = 1), COP = 0.5 x 285.15 / (T + 16.7 - 12).
double facility_w(double it_w, double outdoor_c) {
  const double m = outdoor_c >= 35 ? 1.0 : outdoor_c <= 21 ? 0.0 : (outdoor_c - 21) / 14;
  const double cop = 0.5 * (12 + 273.15) / (outdoor_c + 16.7 - 12);
  return it_w / 0.96 + it_w * 0.05 + it_w * m / cop;
}

}  // namespace

TEST_CASE("A power cap holds at every instant through a hot spell", "[scheduling][planner]") {
  // 8 V100s at 300 W (2.4 kW of IT, no idle draw, no hosts); cap 3 kW. At 20 C the facility
  // draws 2.62 kW, at 40 C (08:00-12:00 on the first day) 3.37 kW. A 12-hour job submitted
  // at 00:00 would fit at its start and break the cap at 08:00: it must wait until its
  // whole run misses the hot hours, starting at 12:00 (dispatched at 11:59), with
  // 8 devices x 12 h held back by the cap.
  REQUIRE(facility_w(2400, 20) < 3000);
  REQUIRE(facility_w(2400, 40) > 3000);
  TempDir dir;
  const auto weather = dir.write("hot.csv", weather_csv({8, 9, 10, 11}));
  const std::string head = fmt::format(R"(
name: hot
epoch: 2022-01-01T00:00:00Z
trace: {{ interval: 1 min }}
scheduler: {{ policy: fifo, epoch: 1 min }}
regions: [ {{ name: r, intensity: 100 g/kWh }} ]
datacenters:
  - {{ name: dc, region: r, idle: off, power_cap: 3 kW, accelerators: {{ V100: 16 }},
      cooling: {{ model: economizer-chiller, weather: {{ file: {} }} }} }}
)",
                                       weather);
  SECTION("a job waits for a run that misses the hot hours") {
    const auto r = run(head + R"(
jobs:
  - { name: a, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 12 h, mfu: 0.3, power: 300 W, submit: 0 s }
)");
    CHECK(units::to_seconds(r.jobs[0].start) == 12 * 3600.0);
    const auto& s = r.summaries[0];
    CHECK(units::to_seconds(s.cap_exceeded) == 0);
    CHECK(units::to_watts(s.peak_facility_power) <= 3000);
    // Held back from the first tick (0) to the dispatch at 11:59.
    CHECK(s.cap_held_device_s == Approx(8 * (12 * 3600.0 - 60)).margin(8 * 60));
    for (const double p : r.datacenters[0][schema::Series::kFacilityPower]) {
      CHECK(p <= 3000);
    }
  }
  SECTION("a job that runs past its plan waits at a checkpoint for the cap") {
    // Failures every 1.25 h on average (8 devices, MTBF 10 h) push a 12-hour job with
    // hourly checkpoints past its plan and into a hot spell from 20:00 to 24:00; it waits
    // there, held and idle, and the cap holds at every interval.
    const auto hot = dir.write("late.csv", weather_csv({20, 21, 22, 23}));
    std::string y = head;
    y.replace(y.find(weather), weather.size(), hot);
    y.replace(y.find("scheduler:"), 0, "failures: { device_mtbf: 10 h, restart: 30 min }\n");
    const auto r = run(y + R"(
jobs:
  - { name: a, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 12 h, mfu: 0.3, power: 300 W, submit: 0 s,
      checkpoint: { interval: 1 h, duration: 1 min } }
)");
    const auto& o = r.jobs[0];
    INFO("end " << units::to_seconds(o.end) / 3600 << " h, restarts " << o.restarts);
    REQUIRE(units::to_seconds(o.end) > 20 * 3600.0);  // it did run into the spell
    CHECK(o.cap_pauses >= 1);
    CHECK(units::to_seconds(o.cap_paused) > 0);
    CHECK(units::to_seconds(r.summaries[0].cap_exceeded) == 0);
    CHECK(units::to_watts(r.summaries[0].peak_facility_power) <= 3000);
    for (const double p : r.datacenters[0][schema::Series::kFacilityPower]) {
      CHECK(p <= 3000);
    }
  }
}

TEST_CASE("A series that covers every instant jobs can run in is enough", "[scheduling][planner]") {
  // A year of hourly values covering 2022 exactly, not repeated.
  TempDir dir;
  std::string csv = "timestamp_utc,gco2_per_kwh\n";
  for (int h = 0; h < 8760; ++h) {
    csv += fmt::format("{},{}\n", units::format_utc(kJan2022 + 3600LL * h),
                       300 + 100 * std::sin(2 * M_PI * h / 24));
  }
  const auto grid = dir.write("year.csv", csv);
  const std::string head = fmt::format(R"(
name: year
epoch: 2022-01-01T00:00:00Z
regions: [ {{ name: r, intensity: {{ file: {} }} }} ]
datacenters: [ {{ name: dc, region: r, pue: 1.1, idle: off, accelerators: {{ V100: 8 }} }} ]
)",
                                       grid);
  SECTION("365 daily 6-hour jobs with 24 h of slack, horizon 365 d") {
    std::string y =
        head + "horizon: 365 d\nscheduler: { policy: carbon-aware, epoch: 5 min }\njobs:\n";
    for (int d = 0; d < 365; ++d) {
      y += fmt::format(
          "  - {{ name: d{}, type: training, datacenter: dc, accelerator: V100, devices: 8, "
          "work: 6 h, mfu: 0.3, power: 300 W, submit: {} d, slack: 24 h }}\n",
          d, d);
    }
    const auto r = run(y);
    CHECK(r.totals.jobs_finished == 365);
    for (const auto& o : r.jobs) {
      CHECK(units::to_seconds(o.end) <= 365 * 86400.0);
    }
  }
  SECTION("a year-long job on a year-long series, without a horizon") {
    const auto sc = scenario::parse_scenario(head + R"(
jobs:
  - { name: year, type: training, datacenter: dc, accelerator: V100, devices: 8, work: 365 d, mfu: 0.3, power: 300 W, start: 0 s }
)",
                                             "test.yaml");
    CHECK_NOTHROW(scenario::check_scenario(sc));
    const auto r = scenario::run_scenario(sc, {.threads = 2});
    CHECK(units::to_seconds(r.jobs[0].end) == Approx(365 * 86400.0).epsilon(1e-12));
  }
}

TEST_CASE("A class's members are asked for their runs only until together they cover the window",
          "[scheduling][planner]") {
  // Six datacenters with one forecast (one grid, one PUE): one class. Each job's candidate
  // runs are drawn at random within its window. The choice is the brute force over every
  // (tick, member with room at it): the lowest forecast within the forecast's tie tolerance
  // (1e-9), then the earliest tick, then the lowest index. Members are asked for their runs
  // only until their union covers the window: where members 0 and 1 cover half of it each,
  // no other is asked; where member k alone covers it, none after k.
  const auto series = five_minute_series();
  const models::SeriesCarbon carbon(kJan2020, series, models::MarketAccounting::location_based(),
                                    models::Repeat::none);
  const models::ConstantPue cooling(1.1);
  constexpr std::uint32_t kMembers = 6;
  models::FleetTables t;
  t.types.push_back(models::AcceleratorType{});
  for (std::uint32_t d = 0; d < kMembers; ++d) {
    t.candidates.push_back(d);
  }
  const SimTime epoch = SimTime::minutes(5);
  const auto e = epoch.count();
  for (int k = 0; k < 40; ++k) {
    models::FleetJob f;
    f.devices = 1;
    f.submit = SimTime::from_seconds(3600.0 * 11.7 * k + 301.0);
    f.duration = SimTime::from_seconds(3600.0 * (0.5 + (k % 5)));
    f.slack = SimTime::from_seconds(3600.0 * (2 + 3 * (k % 4)));
    f.candidate_count = kMembers;
    t.jobs.push_back(f);
  }
  std::vector<models::DatacenterView> views(kMembers);
  for (auto& v : views) {
    v.inventory = {1};
    v.cooling = &cooling;
    v.carbon = &carbon;
  }
  const models::CarbonForecast f(&t, views, SimTime::days(28), 0.0, 1);
  std::uint64_t state = 12345;
  const auto draw = [&state](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  int halves = 0;
  for (std::uint32_t j = 0; j < t.jobs.size(); ++j) {
    INFO("job " << j);
    const auto& job = t.jobs[j];
    const auto [first, last] = f.window(j, job.submit, epoch);
    const auto ticks = static_cast<std::uint64_t>((last - first) / e + 1);
    // Per member: a few random runs of ticks (sorted, apart), or the whole window.
    std::vector<models::TickRuns> runs(kMembers);
    for (std::uint32_t c = 0; c < kMembers; ++c) {
      if (draw(5) == 0) {
        runs[c] = {{first, last}};
        continue;
      }
      for (SimTime::rep s = first + static_cast<SimTime::rep>(draw(ticks)) * e; s <= last;) {
        const SimTime::rep until = std::min(last, s + static_cast<SimTime::rep>(draw(12)) * e);
        runs[c].emplace_back(s, until);
        s = until + static_cast<SimTime::rep>(2 + draw(ticks / 2 + 1)) * e;
      }
    }
    const bool split = j % 3 == 0 && ticks >= 2;
    if (split) {
      const SimTime::rep mid = first + static_cast<SimTime::rep>(ticks / 2) * e;
      runs[0] = {{first, mid - e}};
      runs[1] = {{mid, last}};
      ++halves;
    }
    std::vector<int> asked(kMembers, 0);
    const models::FeasibleRuns feasible = [&](std::uint32_t c) -> const models::TickRuns& {
      ++asked[c];
      return runs[c];
    };
    // The brute force.
    double best = INFINITY;
    for (std::uint32_t c = 0; c < kMembers; ++c) {
      for (const auto& [a, b] : runs[c]) {
        for (auto s = a; s <= b; s += e) {
          const SimTime begin = SimTime::ticks(s + e);
          best = std::min(best, f.weight(c, begin, begin + job.duration));
        }
      }
    }
    std::optional<std::pair<SimTime::rep, std::uint32_t>> expect;
    for (std::uint32_t c = 0; c < kMembers; ++c) {
      for (const auto& [a, b] : runs[c]) {
        for (auto s = a; s <= b; s += e) {
          const SimTime begin = SimTime::ticks(s + e);
          if (f.weight(c, begin, begin + job.duration) <= best + 1e-9 * std::fabs(best) &&
              (!expect || std::make_pair(s, c) < *expect)) {
            expect = std::make_pair(s, c);
          }
        }
      }
    }
    REQUIRE(expect);
    const auto pick = f.best_start(j, job.submit, epoch, 0, feasible);
    REQUIRE(pick);
    CHECK(pick->first.count() == expect->first);
    CHECK(pick->second == expect->second);
    std::uint32_t last_asked = 0;
    for (std::uint32_t c = 0; c < kMembers; ++c) {
      if (asked[c] > 0) {
        last_asked = c;
      }
    }
    if (split) {
      CHECK(last_asked <= 1);
    }
    for (std::uint32_t c = 0; c < kMembers; ++c) {
      if (runs[c].size() == 1 && runs[c].front().first == first && runs[c].front().second == last) {
        CHECK(last_asked <= c);
        break;
      }
    }
  }
  CHECK(halves >= 10);
}
