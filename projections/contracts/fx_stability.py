"""The f(x) stability pool (fxBASE, `FxUSDBasePool`): fxUSD/USDC shares, redeem, absorbing.

Restated from protocol-math.md section 4.8: `deposit`/`previewDeposit` (USD value of the deposit
against the pool's fxUSD + USDC value, depeg gate), `requestRedeem` (cooldown), `redeem` and
`instantRedeem` (pro rata in kind, instant fee x1e18 staying in the pool), `nav`, and the
rebalance/liquidate hooks `_beforeRebalanceOrLiquidate` (spend fxUSD first, then USDC) and
`_afterRebalanceOrLiquidate` (the keeper pays the USD value back in its token, USDC rounded up;
the collateral goes to the keeper).

Same preview/apply split as `fx_pool`: previews return frozen results with every amount, applies
fold them in. Times are block timestamps in seconds, passed in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_ticks import PRECISION


class BaseToken(StrEnum):
    FXUSD = "fxUSD"
    USDC = "USDC"


@dataclass(frozen=True, slots=True)
class StabilityPoolParameters:
    usdc_decimals: int = 6
    stable_depeg_price_1e18: int = 995000000000000000
    redeem_cooldown_seconds: int = 1800
    instant_redeem_fee_ratio_1e18: int = 0


@dataclass(frozen=True, slots=True)
class StabilityTotals:
    total_fxusd: int
    total_usdc: int
    share_supply: int


@dataclass(frozen=True, slots=True)
class DepositPreview:
    account: str
    token: BaseToken
    amount: int
    amount_usd: int
    shares: int
    totals_after: StabilityTotals


@dataclass(frozen=True, slots=True)
class RedeemRequestPreview:
    account: str
    shares: int
    shares_requested_after: int
    unlock_at_seconds: int


@dataclass(frozen=True, slots=True)
class StabilityRedeemPreview:
    account: str
    shares: int
    instant: bool
    fxusd_out: int
    usdc_out: int
    fxusd_fee: int
    """Instant redeem only: stays in the pool for the remaining holders."""
    usdc_fee: int
    totals_after: StabilityTotals


@dataclass(frozen=True, slots=True)
class AbsorbBudget:
    """What the pool lets the manager spend: fxUSD first, then USDC."""

    fxusd_to_use: int
    usdc_to_use: int


@dataclass(frozen=True, slots=True)
class AbsorbPreview:
    token_in: BaseToken
    fxusd_used: int
    usdc_used: int
    token_used: int
    """What the keeper pays the pool, in `token_in` (USD value of what was used)."""
    totals_after: StabilityTotals


class StabilityPool:
    """fxBASE: totals, share balances and redeem requests."""

    def __init__(self, parameters: StabilityPoolParameters) -> None:
        self.parameters = parameters
        self.totals = StabilityTotals(0, 0, 0)
        self.shares: dict[str, int] = {}
        self.redeem_requests: dict[str, tuple[int, int]] = {}
        """account -> (shares requested, unlock time in seconds)."""

    def stable_price_with_scale(self, usdc_price_1e18: int) -> int:
        """USDC price x1e18 times 10^(18 - decimals) (`getStableTokenPriceWithScale`)."""
        scalar: int = 10 ** (18 - self.parameters.usdc_decimals)
        return usdc_price_1e18 * scalar

    def value_usd(self, usdc_price_1e18: int) -> int:
        """fxUSD held + USDC held at the price (fxUSD counted at 1), x1e18."""
        price = self.stable_price_with_scale(usdc_price_1e18)
        return self.totals.total_fxusd + self.totals.total_usdc * price // PRECISION

    def nav_1e18(self, fxusd_price_1e18: int, usdc_price_1e18: int) -> int:
        """USD per share x1e18; 1e18 while there are no shares."""
        supply = self.totals.share_supply
        if supply == 0:
            return PRECISION
        price = self.stable_price_with_scale(usdc_price_1e18)
        held = self.totals.total_fxusd * fxusd_price_1e18 + self.totals.total_usdc * price
        return held // supply

    def preview_deposit(
        self, account: str, token: BaseToken, amount: int, usdc_price_1e18: int
    ) -> DepositPreview:
        """Shares for depositing `amount` of fxUSD or USDC.

        Args:
            account: The depositor (and share receiver).
            token: fxUSD or USDC.
            amount: Base units of the token.
            usdc_price_1e18: Chainlink USDC/USD x1e18.

        Returns:
            The USD value, shares minted and totals after.
        """
        if amount == 0:
            raise MathRejected(RejectCode.ZERO_AMOUNT, "deposit of 0")
        if usdc_price_1e18 < self.parameters.stable_depeg_price_1e18:
            raise MathRejected(RejectCode.STABLE_DEPEGGED, "USDC is below its depeg price")
        price = self.stable_price_with_scale(usdc_price_1e18)
        amount_usd = amount if token is BaseToken.FXUSD else amount * price // PRECISION
        totals = self.totals
        shares = amount_usd
        if totals.share_supply > 0:
            shares = amount_usd * totals.share_supply // self.value_usd(usdc_price_1e18)
        fxusd_in = amount if token is BaseToken.FXUSD else 0
        after = StabilityTotals(
            totals.total_fxusd + fxusd_in,
            totals.total_usdc + amount - fxusd_in,
            totals.share_supply + shares,
        )
        return DepositPreview(account, token, amount, amount_usd, shares, after)

    def apply_deposit(self, preview: DepositPreview) -> None:
        """Fold a recorded deposit."""
        self.shares[preview.account] = self.shares.get(preview.account, 0) + preview.shares
        self.totals = preview.totals_after

    def preview_request_redeem(
        self, account: str, shares: int, now_seconds: int
    ) -> RedeemRequestPreview:
        """Lock `shares` for redemption after the cooldown (the unlock time restarts).

        Args:
            account: The holder.
            shares: Shares to add to the request.
            now_seconds: Block time.

        Returns:
            The request after, with its unlock time.
        """
        if shares == 0:
            raise MathRejected(RejectCode.ZERO_AMOUNT, "request of 0 shares")
        requested, _ = self.redeem_requests.get(account, (0, 0))
        if requested + shares > self.shares.get(account, 0):
            raise MathRejected(RejectCode.INSUFFICIENT_BALANCE, "request exceeds share balance")
        unlock_at = now_seconds + self.parameters.redeem_cooldown_seconds
        return RedeemRequestPreview(account, shares, requested + shares, unlock_at)

    def apply_request_redeem(self, preview: RedeemRequestPreview) -> None:
        """Fold a recorded redeem request."""
        self.redeem_requests[preview.account] = (
            preview.shares_requested_after,
            preview.unlock_at_seconds,
        )

    def preview_redeem(self, account: str, shares: int, now_seconds: int) -> StabilityRedeemPreview:
        """Redeem requested shares after the cooldown, pro rata in fxUSD and USDC.

        Args:
            account: The holder; shares above its request are capped to the request.
            shares: Shares to redeem.
            now_seconds: Block time.

        Returns:
            fxUSD and USDC out and totals after.
        """
        requested, unlock_at = self.redeem_requests.get(account, (0, 0))
        if unlock_at > now_seconds:
            raise MathRejected(
                RejectCode.COOLDOWN, f"redeem request unlocks at {unlock_at}, now {now_seconds}"
            )
        shares = min(shares, requested)
        if shares == 0:
            raise MathRejected(RejectCode.ZERO_AMOUNT, "no requested shares to redeem")
        return self._redeem_out(account, shares, instant=False)

    def preview_instant_redeem(self, account: str, shares: int) -> StabilityRedeemPreview:
        """Redeem free (unrequested) shares now, paying the instant fee on each leg.

        Args:
            account: The holder.
            shares: Shares to redeem, at most its balance minus its requested shares.

        Returns:
            fxUSD and USDC out (after fee), the fees kept by the pool, totals after.
        """
        if shares == 0:
            raise MathRejected(RejectCode.ZERO_AMOUNT, "redeem of 0 shares")
        requested, _ = self.redeem_requests.get(account, (0, 0))
        if shares > self.shares.get(account, 0) - requested:
            raise MathRejected(RejectCode.INSUFFICIENT_BALANCE, "shares exceed the free balance")
        return self._redeem_out(account, shares, instant=True)

    def _redeem_out(self, account: str, shares: int, instant: bool) -> StabilityRedeemPreview:
        totals = self.totals
        fxusd_out = shares * totals.total_fxusd // totals.share_supply
        usdc_out = shares * totals.total_usdc // totals.share_supply
        fee_ratio = self.parameters.instant_redeem_fee_ratio_1e18 if instant else 0
        fxusd_fee = fxusd_out * fee_ratio // PRECISION
        usdc_fee = usdc_out * fee_ratio // PRECISION
        fxusd_out -= fxusd_fee
        usdc_out -= usdc_fee
        after = StabilityTotals(
            totals.total_fxusd - fxusd_out,
            totals.total_usdc - usdc_out,
            totals.share_supply - shares,
        )
        return StabilityRedeemPreview(
            account, shares, instant, fxusd_out, usdc_out, fxusd_fee, usdc_fee, after
        )

    def apply_redeem(self, preview: StabilityRedeemPreview) -> None:
        """Fold a recorded redeem or instant redeem."""
        self.shares[preview.account] -= preview.shares
        if not preview.instant:
            requested, unlock_at = self.redeem_requests[preview.account]
            self.redeem_requests[preview.account] = (requested - preview.shares, unlock_at)
        self.totals = preview.totals_after

    def absorb_budget(
        self, token_in: BaseToken, amount_max: int, usdc_price_1e18: int
    ) -> AbsorbBudget:
        """How much fxUSD, then USDC, a keeper paying up to `amount_max` of `token_in` unlocks.

        Args:
            token_in: The token the keeper pays back in.
            amount_max: The most the keeper pays, in `token_in` units.
            usdc_price_1e18: Chainlink USDC/USD x1e18.

        Returns:
            The fxUSD and USDC the manager may use (`maxFxUSD`, `maxStable`).
        """
        price = self.stable_price_with_scale(usdc_price_1e18)
        amount_usd = amount_max if token_in is BaseToken.FXUSD else amount_max * price // PRECISION
        fxusd = self.totals.total_fxusd
        usdc = 0
        if amount_usd < fxusd:
            fxusd = amount_usd
        else:
            usdc = (amount_usd - fxusd) * PRECISION // price
        usdc = min(usdc, self.totals.total_usdc)
        if fxusd == 0 and usdc == 0:
            raise MathRejected(RejectCode.STABILITY_POOL_EMPTY, "no fxUSD or USDC to spend")
        return AbsorbBudget(fxusd, usdc)

    def preview_absorb(
        self, token_in: BaseToken, fxusd_used: int, usdc_used: int, usdc_price_1e18: int
    ) -> AbsorbPreview:
        """Settle the pool after the manager used `fxusd_used` and `usdc_used` of it.

        Args:
            token_in: The keeper's token.
            fxusd_used: fxUSD the manager burned.
            usdc_used: USDC the manager took.
            usdc_price_1e18: The USDC price used for the budget.

        Returns:
            The keeper's payment in `token_in` (USDC rounded up) and totals after.
        """
        price = self.stable_price_with_scale(usdc_price_1e18)
        amount_usd = fxusd_used + usdc_used * price // PRECISION
        fxusd = self.totals.total_fxusd - fxusd_used
        usdc = self.totals.total_usdc - usdc_used
        if token_in is BaseToken.FXUSD:
            token_used = amount_usd
            fxusd += token_used
        else:
            token_used = -(-amount_usd * PRECISION // price)
            usdc += token_used
        after = StabilityTotals(fxusd, usdc, self.totals.share_supply)
        return AbsorbPreview(token_in, fxusd_used, usdc_used, token_used, after)

    def apply_absorb(self, preview: AbsorbPreview) -> None:
        """Fold a recorded rebalance/liquidation settlement."""
        self.totals = preview.totals_after

    def to_state(self) -> dict[str, Any]:
        """Plain data (str keys, lists, ints) for snapshots."""
        return {
            "parameters": asdict(self.parameters),
            "totals": asdict(self.totals),
            "shares": dict(sorted(self.shares.items())),
            "redeem_requests": {
                account: list(request) for account, request in sorted(self.redeem_requests.items())
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> StabilityPool:
        """Rebuild a stability pool from `to_state` data."""
        pool = cls(StabilityPoolParameters(**state["parameters"]))
        pool.totals = StabilityTotals(**state["totals"])
        pool.shares = dict(state["shares"])
        pool.redeem_requests = {
            account: (request[0], request[1])
            for account, request in state["redeem_requests"].items()
        }
        return pool


__all__ = [
    "AbsorbBudget",
    "AbsorbPreview",
    "BaseToken",
    "DepositPreview",
    "RedeemRequestPreview",
    "StabilityPool",
    "StabilityPoolParameters",
    "StabilityRedeemPreview",
    "StabilityTotals",
]
