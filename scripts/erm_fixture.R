# Reference numbers from R's eRm for tests/surveys/test_fit.py (CI does not run R).
#
# Makes a fixed, skewed data set (2,000 respondents x 6 four-category items, favourable
# answers common, item 6 noisy: 40% of its answers are random), fits eRm's partial credit
# model by CML, estimates person MLEs and item fit, and writes to tests/surveys/fixtures/:
#   erm_pcm_data.csv       the responses (codes 0..3, one row per respondent)
#   erm_pcm_items.csv      per item: eRm's thresholds d1..d3 and itemfit's outfit, infit,
#                          outfit_z, infit_z, n (answers used)
#   erm_pcm_persons.csv    per raw score: eRm's person MLE and SE (non-extreme scores)
#   erm_pcm_summary.csv    SepRel (extremes excluded) and the number of extreme persons
#
# Run from the repository root (Debian: apt-get install -y r-base-core r-cran-erm):
#   Rscript scripts/erm_fixture.R
suppressPackageStartupMessages(library(eRm))
set.seed(20261215)
out <- file.path("tests", "surveys", "fixtures")
n <- 2000
k <- 6
b <- c(-1.4, -1.0, -0.6, -0.3, 0.0, -0.8)
tau <- c(-1.2, 0.1, 1.3)
theta <- rnorm(n, 1.0, 1.2)
x <- matrix(0L, n, k)
for (i in 1:k) {
  psi <- cbind(0, outer(theta, 1:3) - matrix(cumsum(b[i] + tau), n, 3, byrow = TRUE))
  p <- exp(psi - apply(psi, 1, max))
  p <- p / rowSums(p)
  u <- runif(n)
  x[, i] <- as.integer(rowSums(u > t(apply(p, 1, cumsum))))
}
noisy <- runif(n) < 0.4
x[noisy, k] <- sample(0:3, sum(noisy), replace = TRUE)
colnames(x) <- paste0("I", 1:k)
write.csv(x, file.path(out, "erm_pcm_data.csv"), row.names = FALSE)

fit <- PCM(x)
pp <- person.parameter(fit)
itf <- itemfit(pp)
th <- matrix(thresholds(fit)$threshpar, nrow = k, byrow = TRUE)
items <- data.frame(item = colnames(x), d1 = th[, 1], d2 = th[, 2], d3 = th[, 3],
                    outfit = itf$i.outfitMSQ, infit = itf$i.infitMSQ,
                    outfit_z = itf$i.outfitZ, infit_z = itf$i.infitZ, n = itf$i.df)
write.csv(items, file.path(out, "erm_pcm_items.csv"), row.names = FALSE)

tab <- unique(data.frame(score = rowSums(x)[-pp$pers.ex], theta = pp$thetapar$NAgroup1,
                         se = pp$se.theta$NAgroup1))
write.csv(tab[order(tab$score), ], file.path(out, "erm_pcm_persons.csv"), row.names = FALSE)
write.csv(data.frame(sep_rel = SepRel(pp)$sep.rel, n_extreme = length(pp$pers.ex)),
          file.path(out, "erm_pcm_summary.csv"), row.names = FALSE)
cat(sprintf("eRm %s: wrote %s\n", packageVersion("eRm"), out))
