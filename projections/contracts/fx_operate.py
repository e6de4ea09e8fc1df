"""f(x) operate: open / add / remove collateral, borrow, repay, close, as preview and apply.

Restated from protocol-math.md section 4.3: `BasePool.operate` (MIN 1e9 changes, borrow gate,
owner and not-in-liquidation rules, share rounding, debt-ratio bounds, re-insertion into a tick)
and `PoolManager.operate` with its fee plumbing in both versions: d8e5e9d's pool-level open/close
fee in raw collateral (`AaveFundingPool._deductProtocolFees`) and HEAD's manager-level supply,
withdraw, borrow and repay fees (`_handleSupply/_handleWithdraw/_handleBorrow/_handleRepay`).
"""

from __future__ import annotations

from dataclasses import dataclass

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import FxVersion, fee_of, stepped_fee_ratio_1e9
from projections.contracts.fx_results import OperatePreview, OperateRecord, OperateRequest
from projections.contracts.fx_state import FxPoolState, FxReplayMismatch
from projections.contracts.fx_ticks import (
    MIN_COLLATERAL,
    MIN_DEBT,
    PRECISION,
    coll_shares_from_raw,
    debt_ratio_1e18,
    debt_shares_from_raw,
    raw_coll_from_shares,
    raw_debt_from_shares,
    scale_down,
    scale_down_signed,
    scale_up,
    scale_up_signed,
    scaling_factor,
    tick_of_shares,
)
from projections.contracts.fx_tree import Position

SHARES_LIMIT = 2**96
"""Position shares are stored as uint96 (`ErrorOverflow` past it)."""


@dataclass(slots=True)
class _PoolOperation:
    """Working values of `BasePool.operate` for one request."""

    position_id: int
    opened: bool
    coll_shares: int
    debt_shares: int
    raw_coll: int = 0
    """Signed raw collateral the pool returns (after the d8e5e9d fee on supply)."""
    raw_debt: int = 0
    fee_raw: int = 0
    coll_shares_delta: int = 0
    debt_shares_delta: int = 0


def preview_operate(state: FxPoolState, request: OperateRequest) -> OperatePreview:
    """Compute an operate without changing the pool.

    Args:
        state: The pool.
        request: The command.

    Returns:
        Every amount the event records.

    Raises:
        MathRejected: When the contracts would revert (code and detail say why).
    """
    parameters = state.parameters
    factor = scaling_factor(parameters.collateral_decimals, request.collateral_rate_1e18)
    supply_token = max(request.collateral_delta_token, 0)
    fee_supply_token = 0
    if parameters.version is FxVersion.HEAD and supply_token > 0:
        ratio = stepped_fee_ratio_1e9(
            parameters.supply_ratio_1e9, parameters.supply_ratio_step_1e18, request.aave_rate_1e18
        )
        fee_supply_token = fee_of(supply_token, ratio)
    raw_coll_request = _raw_collateral_request(request, fee_supply_token, factor)
    raw_debt_request = request.debt_delta
    if request.repay_in_stable:
        _check_stable_repay(state, request)
        raw_debt_request = -scale_up(-request.debt_delta, request.stable_price_with_scale)
    _check_request_shape(request, raw_coll_request, raw_debt_request)
    pool = _pool_operate(state, request, raw_coll_request, raw_debt_request)
    return _manager_operate(state, request, pool, fee_supply_token, factor)


def _raw_collateral_request(request: OperateRequest, fee_supply_token: int, factor: int) -> int:
    if request.withdraw_all:
        return 0
    delta_token = request.collateral_delta_token
    if delta_token > 0:
        return scale_up(delta_token - fee_supply_token, factor)
    return scale_up_signed(delta_token, factor)


def _check_stable_repay(state: FxPoolState, request: OperateRequest) -> None:
    if state.parameters.version is not FxVersion.HEAD:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "USDC repay exists only at HEAD")
    if request.collateral_delta_token > 0 or request.debt_delta > 0:
        raise MathRejected(
            RejectCode.INVALID_PARAMETER, "USDC pays only repays (ErrorInvalidOperation)"
        )
    if request.position_id is None or (request.debt_delta == 0 and not request.repay_all):
        raise MathRejected(RejectCode.INVALID_PARAMETER, "USDC repay needs a position and a repay")
    if not request.stable_repay_allowed:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "USDC repay is not allowed now")


def _check_request_shape(request: OperateRequest, raw_coll: int, raw_debt: int) -> None:
    if request.position_id is None and (request.withdraw_all or request.repay_all):
        raise MathRejected(RejectCode.INVALID_PARAMETER, "withdraw_all/repay_all need a position")
    if request.withdraw_all and request.collateral_delta_token > 0:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "withdraw_all with a supply amount")
    if request.repay_all and request.debt_delta > 0:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "repay_all with a borrow amount")
    if raw_coll == 0 and raw_debt == 0 and not (request.withdraw_all or request.repay_all):
        raise MathRejected(RejectCode.ZERO_AMOUNT, "no collateral and no debt change")
    if raw_coll != 0 and abs(raw_coll) < MIN_COLLATERAL:
        raise MathRejected(RejectCode.DEBT_TOO_SMALL, f"collateral change {raw_coll} below 1e9")
    if raw_debt != 0 and abs(raw_debt) < MIN_DEBT:
        raise MathRejected(RejectCode.DEBT_TOO_SMALL, f"debt change {raw_debt} below 1e9")
    if raw_debt > 0 and not request.borrow_allowed:
        raise MathRejected(RejectCode.BORROW_NOT_ALLOWED, "borrowing is paused (fxUSD depeg)")


def _pool_operate(
    state: FxPoolState, request: OperateRequest, raw_coll: int, raw_debt: int
) -> _PoolOperation:
    withdraws = raw_coll < 0 or request.withdraw_all
    borrows = raw_debt > 0
    pool = _position_before(state, request, withdraws or borrows)
    _apply_collateral_change(state, request, pool, raw_coll)
    _apply_debt_change(state, request, pool, raw_debt)
    _check_position_after(state, request.price_1e18, pool)
    return pool


def _position_before(state: FxPoolState, request: OperateRequest, risky: bool) -> _PoolOperation:
    if request.position_id is None:
        return _PoolOperation(state.tree.position_id_next, True, 0, 0)
    position = state.tree.positions.get(request.position_id)
    if position is None:
        raise MathRejected(RejectCode.UNKNOWN_POSITION, f"position {request.position_id}")
    if position.owner != request.owner and risky:
        raise MathRejected(
            RejectCode.POSITION_NOT_OWNED,
            f"position {request.position_id} belongs to {position.owner}, not {request.owner}",
        )
    _, coll_shares, debt_shares = state.tree.position_settled_shares(request.position_id)
    if risky:
        raw_coll = raw_coll_from_shares(coll_shares, state.coll_index, False)
        raw_debt = raw_debt_from_shares(debt_shares, state.debt_index, False)
        ratio = state.parameters.liquidate_debt_ratio_1e18
        if raw_debt * PRECISION * PRECISION > ratio * raw_coll * request.price_1e18:
            raise MathRejected(
                RejectCode.LTV_TOO_HIGH,
                "position is in liquidation mode: no withdraw or borrow "
                "(ErrorPositionInLiquidationMode)",
            )
    return _PoolOperation(request.position_id, False, coll_shares, debt_shares)


def _apply_collateral_change(
    state: FxPoolState, request: OperateRequest, pool: _PoolOperation, raw_coll: int
) -> None:
    parameters = state.parameters
    legacy = parameters.version is FxVersion.D8E5E9D
    if raw_coll > 0:
        if legacy:
            ratio = stepped_fee_ratio_1e9(
                parameters.open_ratio_1e9, parameters.open_ratio_step_1e18, request.aave_rate_1e18
            )
            pool.fee_raw = fee_of(raw_coll, ratio)
        pool.raw_coll = raw_coll - pool.fee_raw
        pool.coll_shares_delta = coll_shares_from_raw(pool.raw_coll, state.coll_index, False)
        return
    if raw_coll == 0 and not request.withdraw_all:
        return
    if request.withdraw_all:
        raw_withdrawn = raw_coll_from_shares(pool.coll_shares, state.coll_index, False)
        pool.coll_shares_delta = -pool.coll_shares
    else:
        raw_withdrawn = -raw_coll
        pool.coll_shares_delta = -coll_shares_from_raw(raw_withdrawn, state.coll_index, True)
        if -pool.coll_shares_delta > pool.coll_shares:
            raise MathRejected(
                RejectCode.INSUFFICIENT_BALANCE,
                f"withdraw of {raw_withdrawn} exceeds the position's collateral "
                "(ErrorWithdrawExceedSupply)",
            )
    if legacy:
        pool.fee_raw = fee_of(raw_withdrawn, parameters.close_fee_ratio_1e9)
    pool.raw_coll = -(raw_withdrawn - pool.fee_raw)


def _apply_debt_change(
    state: FxPoolState, request: OperateRequest, pool: _PoolOperation, raw_debt: int
) -> None:
    if raw_debt > 0:
        pool.raw_debt = raw_debt
        pool.debt_shares_delta = debt_shares_from_raw(raw_debt, state.debt_index, True)
        return
    if request.repay_all:
        pool.raw_debt = -raw_debt_from_shares(pool.debt_shares, state.debt_index, True)
        pool.debt_shares_delta = -pool.debt_shares
    elif raw_debt < 0:
        pool.raw_debt = raw_debt
        pool.debt_shares_delta = -debt_shares_from_raw(-raw_debt, state.debt_index, True)
        if -pool.debt_shares_delta > pool.debt_shares:
            raise MathRejected(
                RejectCode.INSUFFICIENT_BALANCE, f"repay of {-raw_debt} exceeds the position's debt"
            )


def _check_position_after(state: FxPoolState, price_1e18: int, pool: _PoolOperation) -> None:
    coll_shares = pool.coll_shares + pool.coll_shares_delta
    debt_shares = pool.debt_shares + pool.debt_shares_delta
    raw_coll = raw_coll_from_shares(coll_shares, state.coll_index, False)
    raw_debt = raw_debt_from_shares(debt_shares, state.debt_index, False)
    parameters = state.parameters
    debt_value = raw_debt * PRECISION * PRECISION
    if debt_value > parameters.debt_ratio_max_1e18 * raw_coll * price_1e18:
        raise MathRejected(
            RejectCode.LTV_TOO_HIGH,
            f"debt ratio above the maximum {parameters.debt_ratio_max_1e18} "
            "(ErrorDebtRatioTooLarge)",
        )
    if debt_value < parameters.debt_ratio_min_1e18 * raw_coll * price_1e18:
        raise MathRejected(
            RejectCode.LTV_TOO_LOW,
            f"debt ratio below the minimum {parameters.debt_ratio_min_1e18}: borrow more or "
            "withdraw collateral (ErrorDebtRatioTooSmall)",
        )
    if 0 < debt_shares < MIN_DEBT:
        raise MathRejected(RejectCode.DEBT_TOO_SMALL, f"position debt shares {debt_shares} < 1e9")
    if coll_shares >= SHARES_LIMIT or debt_shares >= SHARES_LIMIT:
        raise MathRejected(RejectCode.OUT_OF_DOMAIN, "position shares exceed uint96")


def _manager_operate(
    state: FxPoolState,
    request: OperateRequest,
    pool: _PoolOperation,
    fee_supply_token: int,
    factor: int,
) -> OperatePreview:
    parameters = state.parameters
    head = parameters.version is FxVersion.HEAD
    coll_token = scale_down_signed(pool.raw_coll, factor)
    fee_pool_token = scale_down(pool.fee_raw, factor)
    collateral_in, collateral_out, fee_open, fee_close = 0, 0, 0, 0
    pool_token_delta, pool_raw_delta = coll_token, pool.raw_coll
    if pool.raw_coll > 0:
        collateral_in = request.collateral_delta_token if head else coll_token + fee_pool_token
        fee_open = fee_supply_token if head else fee_pool_token
    elif pool.raw_coll < 0 and head:
        fee_close = fee_of(-coll_token, parameters.withdraw_fee_ratio_1e9)
        collateral_out = -coll_token - fee_close
    elif pool.raw_coll < 0:
        fee_close = fee_pool_token
        collateral_out = -coll_token
        pool_token_delta, pool_raw_delta = coll_token - fee_close, pool.raw_coll - pool.fee_raw
    debt_side = _manager_debt(state, request, pool.raw_debt)
    coll_after = pool.coll_shares + pool.coll_shares_delta
    debt_after = pool.debt_shares + pool.debt_shares_delta
    raw_coll_after = raw_coll_from_shares(coll_after, state.coll_index, False)
    raw_debt_after = raw_debt_from_shares(debt_after, state.debt_index, False)
    return OperatePreview(
        position_id=pool.position_id,
        owner=request.owner if pool.opened else state.tree.positions[pool.position_id].owner,
        opened=pool.opened,
        price_1e18=request.price_1e18,
        collateral_in_token=collateral_in,
        collateral_out_token=collateral_out,
        collateral_raw_delta=pool.raw_coll,
        pool_collateral_token_delta=pool_token_delta,
        pool_collateral_raw_delta=pool_raw_delta,
        fee_open_token=fee_open,
        fee_close_token=fee_close,
        fee_raw=pool.fee_raw,
        debt_raw_delta=pool.raw_debt,
        fxusd_to_owner=debt_side.fxusd_to_owner,
        fxusd_from_owner=debt_side.fxusd_from_owner,
        fxusd_fee_to_open_revenue=debt_side.fxusd_fee_to_open_revenue,
        fxusd_fee_to_close_revenue=debt_side.fxusd_fee_to_close_revenue,
        coll_shares_delta=pool.coll_shares_delta,
        debt_shares_delta=pool.debt_shares_delta,
        coll_shares_after=coll_after,
        debt_shares_after=debt_after,
        tick_after=tick_of_shares(coll_after, debt_after) if debt_after > 0 else None,
        raw_coll_after=raw_coll_after,
        raw_debt_after=raw_debt_after,
        debt_ratio_after_1e18=debt_ratio_1e18(raw_debt_after, raw_coll_after, request.price_1e18)
        or 0,
        usdc_from_owner=debt_side.usdc_from_owner,
        usdc_fee_to_close_revenue=debt_side.usdc_fee_to_close_revenue,
    )


@dataclass(slots=True)
class _DebtSide:
    """fxUSD and USDC the manager moves for a borrow or repay."""

    fxusd_to_owner: int = 0
    fxusd_from_owner: int = 0
    fxusd_fee_to_open_revenue: int = 0
    fxusd_fee_to_close_revenue: int = 0
    usdc_from_owner: int = 0
    usdc_fee_to_close_revenue: int = 0


def _manager_debt(state: FxPoolState, request: OperateRequest, raw_debt: int) -> _DebtSide:
    """`_handleBorrow` / `_handleRepay`: fees at HEAD only; USDC repay rounds the USDC down."""
    parameters = state.parameters
    head = parameters.version is FxVersion.HEAD
    side = _DebtSide()
    if raw_debt > 0:
        side.fxusd_fee_to_open_revenue = (
            fee_of(raw_debt, parameters.borrow_fee_ratio_1e9) if head else 0
        )
        side.fxusd_to_owner = raw_debt - side.fxusd_fee_to_open_revenue
    elif raw_debt < 0 and request.repay_in_stable:
        usdc = scale_down(-raw_debt, request.stable_price_with_scale)
        side.usdc_fee_to_close_revenue = fee_of(usdc, parameters.repay_fee_ratio_1e9)
        side.usdc_from_owner = usdc + side.usdc_fee_to_close_revenue
    elif raw_debt < 0:
        fee = fee_of(-raw_debt, parameters.repay_fee_ratio_1e9) if head else 0
        side.fxusd_fee_to_close_revenue = fee
        side.fxusd_from_owner = -raw_debt + fee
    return side


def apply_operate(state: FxPoolState, preview: OperateRecord) -> None:
    """Fold a recorded operate into the pool.

    Args:
        state: The pool, mutated.
        preview: The amounts the event recorded (the event itself, or a preview).

    Raises:
        FxReplayMismatch: When the recorded position or shares disagree with the pool.
    """
    tree = state.tree
    if preview.opened:
        if preview.position_id != tree.position_id_next:
            raise FxReplayMismatch(f"opened position {preview.position_id}, expected next id")
        tree.positions[preview.position_id] = Position(owner=preview.owner)
        tree.position_id_next += 1
    else:
        tree.settle_position(preview.position_id)
    position = tree.positions[preview.position_id]
    tree.dirty_positions.add(preview.position_id)
    tree.remove_from_node(position.node, position.coll_shares, position.debt_shares)
    position.coll_shares += preview.coll_shares_delta
    position.debt_shares += preview.debt_shares_delta
    if (position.coll_shares, position.debt_shares) != (
        preview.coll_shares_after,
        preview.debt_shares_after,
    ):
        raise FxReplayMismatch(f"position {preview.position_id} shares differ from the record")
    tick, node = tree.add_to_tick(position.coll_shares, position.debt_shares)
    if (tick if node else None) != preview.tick_after:
        raise FxReplayMismatch(f"position {preview.position_id} tick {tick} != recorded")
    position.tick, position.node = tick, node
    state.coll_shares_total += preview.coll_shares_delta
    state.debt_shares_total += preview.debt_shares_delta
    state.balances = state.balances.moved(
        collateral_token=preview.pool_collateral_token_delta,
        collateral_raw=preview.pool_collateral_raw_delta,
        debt=preview.debt_raw_delta,
        fees_open_token=preview.fee_open_token,
        fees_close_token=preview.fee_close_token,
    )


__all__ = ["apply_operate", "preview_operate"]
