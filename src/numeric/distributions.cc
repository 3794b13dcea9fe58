// Distribution functions: regularized incomplete beta and gamma (continued fractions evaluated
// with the modified Lentz method, series for the lower incomplete gamma), and the normal, t,
// chi-square and binomial tails built on them. Quantiles invert the tails by safeguarded Newton
// steps inside a bracket.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "numeric/numeric.h"

namespace verdict::numeric {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
constexpr double kTiny = 1e-300;  // keeps Lentz denominators away from zero
constexpr int kMaxIterations = 1'000'000;
constexpr double kStirlingThreshold = 10;

// Stirling's series remainder: lgamma(x) = (x - 1/2) ln x - x + ln(2 pi) / 2 + StirlingTail(x),
// accurate to double precision for x >= kStirlingThreshold.
double StirlingTail(double x) {
  const double inv = 1 / x;
  const double inv2 = inv * inv;
  return inv * (1.0 / 12 +
                inv2 * (-1.0 / 360 +
                        inv2 * (1.0 / 1260 +
                                inv2 * (-1.0 / 1680 +
                                        inv2 * (1.0 / 1188 +
                                                inv2 * (-691.0 / 360360 + inv2 * (1.0 / 156)))))));
}

// ln(x) when 1 - x = y is known exactly: log1p(-y) keeps precision for x close to 1.
double LogFromComplement(double x, double y) { return x < 0.5 ? std::log(x) : std::log1p(-y); }

// lgamma(a) - lgamma(a + b) for a >= kStirlingThreshold without cancellation.
double LogGammaRatio(double a, double b) {
  return -(a - 0.5) * std::log1p(b / a) - b * std::log(a + b) + b + StirlingTail(a) -
         StirlingTail(a + b);
}

// ln( x^a y^b / B(a, b) ) with y = 1 - x.
double LogBetaPrefactor(double a, double b, double x, double y) {
  const double big = std::max(a, b);
  const double small = std::min(a, b);
  if (small >= kStirlingThreshold) {
    // With s = a + b and delta = x b - y a (so x s / a = 1 + delta / a, y s / b = 1 - delta / b):
    // the exponent is a ln(x s / a) + b ln(y s / b) + ln(a b / s) / 2 - ln(2 pi) / 2 - W.
    const double s = a + b;
    const double delta = x * b - y * a;
    const double w = StirlingTail(a) + StirlingTail(b) - StirlingTail(s);
    return a * std::log1p(delta / a) + b * std::log1p(-delta / b) + 0.5 * std::log(a / s * b) -
           0.5 * std::log(2 * std::numbers::pi) - w;
  }
  const double log_powers = a * LogFromComplement(x, y) + b * LogFromComplement(y, x);
  if (big >= kStirlingThreshold) {
    // ln B(a, b) = lgamma(small) + [lgamma(big) - lgamma(big + small)].
    return log_powers - std::lgamma(small) - LogGammaRatio(big, small);
  }
  return log_powers - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
}

double LentzGuard(double v) { return std::fabs(v) < kTiny ? kTiny : v; }

// The continued fraction of I_x(a, b) (DLMF 8.17.22) without its prefactor x^a y^b / (a B(a, b));
// converges quickly for x < (a + 1) / (a + b + 2). With one large parameter and x close to that
// point the fraction is ill-conditioned (its denominators nearly cancel), so it is evaluated in
// long double, and its first denominator 1 - (a + b) x / (a + 1) is formed from y = 1 - x.
double BetaContinuedFraction(double a, double b, double x, double y) {
  using Wide = long double;
  // Converged well below double precision, yet far above long double's rounding (no stalling).
  constexpr Wide kConverged = kEpsilon / 4;
  auto guard = [](Wide v) { return std::fabs(v) < kTiny ? Wide{kTiny} : v; };
  const Wide wa = a;
  const Wide wb = b;
  const Wide wx = x;
  Wide c = 1;
  Wide d = 1 / guard((wa * y + 1 - wb * wx) / (wa + 1));
  Wide h = d;
  for (int m = 1; m < kMaxIterations; ++m) {
    const Wide wm = m;
    const Wide m2 = 2 * wm;
    const Wide even = wm * (wb - wm) * wx / ((wa + m2 - 1) * (wa + m2));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    h *= d * c;
    const Wide odd = -(wa + wm) * (wa + wb + wm) * wx / ((wa + m2) * (wa + m2 + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const Wide step = d * c;
    h *= step;
    if (std::fabs(step - 1) < kConverged) break;
  }
  return static_cast<double>(h);
}

// ln( x^a e^-x / Gamma(a) ).
double LogGammaPrefactor(double a, double x) { return a * std::log(x) - x - std::lgamma(a); }

// P(a, x) by the series sum_k x^k / (a (a+1) ... (a+k)), for x < a + 1.
double LowerGammaSeries(double a, double x) {
  double term = 1 / a;
  double sum = term;
  for (int k = 1; k < kMaxIterations; ++k) {
    term *= x / (a + k);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
  }
  return std::exp(LogGammaPrefactor(a, x)) * sum;
}

// Q(a, x) by Legendre's continued fraction, for x >= a + 1.
double UpperGammaContinuedFraction(double a, double x) {
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int k = 1; k < kMaxIterations; ++k) {
    const double an = -k * (k - a);
    b += 2;
    d = 1 / LentzGuard(an * d + b);
    c = LentzGuard(b + an / c);
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1) < kEpsilon) break;
  }
  return std::exp(LogGammaPrefactor(a, x)) * h;
}

// The root of a decreasing function f on [lo, hi] (f(lo) >= 0 >= f(hi)) by Newton steps with
// bisection whenever a step leaves the bracket. `derivative` only steers the steps.
template <typename F, typename D>
double FindDecreasingRoot(F f, D derivative, double lo, double hi, double start) {
  double x = start;
  for (int i = 0; i < 400; ++i) {
    const double value = f(x);
    if (value == 0) return x;
    (value > 0 ? lo : hi) = x;
    double next = x - value / derivative(x);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - x) <= 4 * kEpsilon * std::fabs(x) || hi - lo <= 4 * kEpsilon * hi) {
      return next;
    }
    x = next;
  }
  return x;
}

double NormalPdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi); }

// z >= 0 with NormalSf(z) = q, q in (0, 1/2]: Newton on ln Sf, which is concave.
double NormalUpperQuantile(double q) {
  auto f = [q](double z) { return std::log(NormalSf(z)) - std::log(q); };
  auto derivative = [](double z) { return -NormalPdf(z) / NormalSf(z); };
  return FindDecreasingRoot(f, derivative, 0, 40, 0);
}

double StudentTPdf(double t, double df) {
  const double log_norm =
      std::lgamma((df + 1) / 2) - std::lgamma(df / 2) - 0.5 * std::log(df * std::numbers::pi);
  return std::exp(log_norm - (df + 1) / 2 * std::log1p(t * t / df));
}

// t >= 0 with StudentTSf(t, df) = q, q in (0, 1/2].
double StudentTUpperQuantile(double q, double df) {
  double hi = 1;
  while (StudentTSf(hi, df) > q && hi < 1e300) hi *= 16;
  auto f = [q, df](double t) { return std::log(StudentTSf(t, df)) - std::log(q); };
  auto derivative = [df](double t) { return -StudentTPdf(t, df) / StudentTSf(t, df); };
  return FindDecreasingRoot(f, derivative, 0, hi, std::min(hi, NormalUpperQuantile(q)));
}

}  // namespace

Tails IncompleteBeta(double a, double b, double x, double y) {
  if (x <= 0) return {0, 1};
  if (y <= 0) return {1, 0};
  if (x < (a + 1) / (a + b + 2)) {
    const double lower =
        std::exp(LogBetaPrefactor(a, b, x, y)) * BetaContinuedFraction(a, b, x, y) / a;
    return {lower, 1 - lower};
  }
  const double upper =
      std::exp(LogBetaPrefactor(b, a, y, x)) * BetaContinuedFraction(b, a, y, x) / b;
  return {1 - upper, upper};
}

Tails IncompleteGamma(double a, double x) {
  if (x <= 0) return {0, 1};
  if (x < a + 1) {
    const double lower = LowerGammaSeries(a, x);
    return {lower, 1 - lower};
  }
  const double upper = UpperGammaContinuedFraction(a, x);
  return {1 - upper, upper};
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double NormalSf(double z) { return 0.5 * std::erfc(z / std::numbers::sqrt2); }

double NormalQuantile(double p) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  return p < 0.5 ? -NormalUpperQuantile(p) : NormalUpperQuantile(1 - p);
}

double StudentTSf(double t, double df) {
  if (std::isinf(t)) return t > 0 ? 0 : 1;
  // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
  const double t2 = t * t;
  const double two_sided = IncompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2)).lower;
  return t >= 0 ? 0.5 * two_sided : 1 - 0.5 * two_sided;
}

double StudentTQuantile(double p, double df) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  return p < 0.5 ? -StudentTUpperQuantile(p, df) : StudentTUpperQuantile(1 - p, df);
}

double ChiSquareSf(double x, double df) { return IncompleteGamma(df / 2, x / 2).upper; }

double BinomialCdf(int64_t k, int64_t n, double p) {
  if (k < 0) return 0;
  if (k >= n) return 1;
  // P(X <= k) = I_{1-p}(n - k, k + 1).
  return IncompleteBeta(static_cast<double>(n - k), static_cast<double>(k + 1), 1 - p, p).lower;
}

}  // namespace verdict::numeric
