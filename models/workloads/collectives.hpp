// Collective communication costs on a job's network (JobNetwork): all-reduce, all-gather,
// all-to-all and point-to-point transfers, hierarchical over the scale-up domain and the
// scale-out fabric, a torus's dimensions taken into account. Used by the step model
// (training) and by the serving model (a replica's tensor and expert collectives);
// docs/models.md ("Networks") has the equations.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "models/workloads/step_model.hpp"

namespace footprint::models {

/// A group of devices in device-id order: `size` members `stride` ids apart.
struct Group {
  std::int64_t size = 1;
  std::int64_t stride = 1;
};

/// Collective costs on a JobNetwork: hierarchical (reduce-scatter inside each scale-up
/// domain, all-reduce across domains over the scale-out fabric on each member's own NIC,
/// all-gather back inside), with achievable bandwidth eta x link.
class Collectives {
 public:
  Collectives(const JobNetwork& net, double eta) : net_(net), eta_(eta) {}

  [[nodiscard]] double all_reduce(double bytes, Group g) const {
    if (g.size <= 1 || bytes <= 0) {
      return 0;
    }
    const auto [a, b] = split(g);
    double t = 0;
    if (a > 1) {
      t += 2 * (a - 1) / a * bytes / (eta_ * up(a)) +
           2 * (a - 1) * units::to_seconds(net_.scale_up_latency);
    }
    if (b > 1) {
      t += 2 * (b - 1) / b * (bytes / a) / (eta_ * out()) +
           2 * (b - 1) * units::to_seconds(net_.scale_out_latency);
    }
    return t;
  }
  /// All-gather (or reduce-scatter) of `bytes` gathered in all: half an all-reduce.
  [[nodiscard]] double all_gather(double bytes, Group g) const { return all_reduce(bytes, g) / 2; }

  /// Each member scatters `bytes` evenly over the group (and receives as much).
  [[nodiscard]] double all_to_all(double bytes, Group g) const {
    if (g.size <= 1 || bytes <= 0) {
      return 0;
    }
    const auto [a, b] = split(g);
    const double n = static_cast<double>(g.size);
    double t = (a - 1) / n * bytes / (eta_ * up(a));
    if (net_.torus_dimensions > 0 && b == 1) {
      // Bisection of the group's slice of the torus: a cut across its longest side L
      // crosses 2 a / L links per direction (wrap-around), and half of every member's
      // bytes cross it: time = bytes L / (8 link) per direction (Jouppi et al. 2020 on
      // torus bisection).
      const double dims = spanned_dimensions(a);
      const double side = std::pow(a, 1.0 / dims);
      const double link =
          units::to_bytes_per_second(net_.scale_up_bandwidth) / (2.0 * net_.torus_dimensions);
      constexpr double kBisectionShare = 8.0;
      t = std::max(t, bytes * side / (kBisectionShare * eta_ * link));
    }
    if (b > 1) {
      t = std::max(t, (n - a) / n * bytes / (eta_ * out()));
    }
    return t + units::to_seconds(b > 1 ? net_.scale_out_latency : net_.scale_up_latency);
  }

  /// An all-to-all forwarded inside the scale-up domains: each member's copies (`bytes` in
  /// all, to members spread evenly over the group) cross the scale-out network once per
  /// remote domain (`remote_bytes`) and reach their members over the scale-up links,
  /// directly inside the sender's domain or forwarded by the receiving peer: (a - 1) / a of
  /// `bytes` per member whichever domain they go to. The two networks run concurrently. A
  /// group within one domain, or on a torus, is an ordinary all_to_all.
  [[nodiscard]] double forwarded_all_to_all(double bytes, double remote_bytes, Group g) const {
    const auto [a, b] = split(g);
    if (b == 1 || net_.torus_dimensions > 0) {
      return all_to_all(bytes, g);
    }
    const double t = std::max((a - 1) / a * bytes / (eta_ * up(a)), remote_bytes / (eta_ * out()));
    return t + units::to_seconds(net_.scale_out_latency);
  }

  /// Members per scale-up domain and domains of a group.
  [[nodiscard]] std::pair<double, double> members_and_domains(Group g) const { return split(g); }

  /// One transfer of `bytes` between devices `distance` ids apart.
  [[nodiscard]] double point_to_point(double bytes, std::int64_t distance) const {
    if (bytes <= 0) {
      return 0;
    }
    if (distance < net_.scale_up_domain) {
      const double bw =
          net_.torus_dimensions > 0
              ? units::to_bytes_per_second(net_.scale_up_bandwidth) / (2.0 * net_.torus_dimensions)
              : units::to_bytes_per_second(net_.scale_up_bandwidth);
      return bytes / (eta_ * bw) + units::to_seconds(net_.scale_up_latency);
    }
    return bytes / (eta_ * out()) + units::to_seconds(net_.scale_out_latency);
  }

 private:
  /// Members per scale-up domain (a) and domains (b).
  [[nodiscard]] std::pair<double, double> split(Group g) const {
    const std::int64_t a =
        g.stride >= net_.scale_up_domain
            ? 1
            : std::min(g.size, std::max<std::int64_t>(1, net_.scale_up_domain / g.stride));
    const std::int64_t b = (g.size + a - 1) / a;
    return {static_cast<double>(a), static_cast<double>(b)};
  }
  /// Dimensions of the torus a group of `a` chips spans: 1 within one side of the pod's
  /// cube, 2 within a face, else all (chips are taken side first).
  [[nodiscard]] double spanned_dimensions(double a) const {
    const double d = net_.torus_dimensions;
    const double side = std::round(std::pow(static_cast<double>(net_.scale_up_domain), 1.0 / d));
    double dims = 1;
    while (dims < d && a > std::pow(side, dims)) {
      dims += 1;
    }
    return dims;
  }
  /// Bandwidth per member inside a domain: all of a switch port's; on a torus, the links
  /// of the dimensions the group spans (a ring in each direction of each).
  [[nodiscard]] double up(double a) const {
    const double bw = units::to_bytes_per_second(net_.scale_up_bandwidth);
    if (net_.torus_dimensions == 0) {
      return bw;
    }
    return bw * spanned_dimensions(a) / net_.torus_dimensions;
  }
  [[nodiscard]] double out() const { return units::to_bytes_per_second(net_.scale_out_bandwidth); }

  const JobNetwork& net_;
  double eta_;
};

}  // namespace footprint::models
