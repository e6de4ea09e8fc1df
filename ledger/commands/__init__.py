"""Every command the engine handles, written out: command type -> its handler.

The one table the engine reads (`HANDLERS`). It is data, not filled by importing modules for
their side effects, so what the engine can do does not depend on what the caller imported.
Which code handles `SwapExactIn`? Find it here, then follow the name.
"""

from __future__ import annotations

from ledger.command import Command, Handler
from ledger.commands import (
    alex_crp,
    alex_crp_settle,
    alex_governance,
    alex_governance_acts,
    alex_issuance,
    alex_lending,
    alex_staking,
    alphax,
    amm,
    amm_swaps,
    core,
    fx,
    fx_leverage,
    fx_parameters,
    fx_stability,
    fx_walks,
    reserve,
)

HANDLERS: dict[type[Command], Handler] = {
    alex_crp.CreateCollateralPool: alex_crp.handle_create,
    alex_crp.MintCollateralPool: alex_crp.handle_mint,
    alex_crp.SwapCollateralPool: alex_crp.handle_swap,
    alex_crp.RedeemCollateralPool: alex_crp_settle.handle_redeem,
    alex_crp_settle.SettleCollateralPool: alex_crp_settle.handle_settle,
    alex_governance.ConfigureGovernance: alex_governance.handle_configure,
    alex_governance.AddProposal: alex_governance.handle_add,
    alex_governance.AddEmergencyProposal: alex_governance.handle_add_emergency,
    alex_governance.Vote: alex_governance.handle_vote,
    alex_governance.ConcludeProposal: alex_governance.handle_conclude,
    alex_governance.ExecuteProposal: alex_governance.handle_execute,
    alex_governance.ReclaimVotes: alex_governance.handle_reclaim,
    alex_governance.SignalExecutive: alex_governance.handle_signal,
    alex_governance.VetoProposal: alex_governance.handle_veto,
    alex_governance.SetGovernancePause: alex_governance.handle_pause,
    alex_governance_acts.AddImplementationProposal: alex_governance_acts.handle_add_implementation,
    alex_governance_acts.EnactProposal: alex_governance_acts.handle_enact,
    alex_issuance.IssueEmergency: alex_issuance.handle_issue,
    alex_lending.CreateYieldPool: alex_lending.handle_create,
    alex_lending.AddYieldLiquidity: alex_lending.handle_add,
    alex_lending.RemoveYieldLiquidity: alex_lending.handle_remove,
    alex_lending.SwapYieldPool: alex_lending.handle_swap,
    alex_staking.AlexGenesis: alex_staking.handle_genesis,
    alex_staking.ConfigureStaking: alex_staking.handle_configure,
    alex_staking.SetStakingActivation: alex_staking.handle_set_activation,
    alex_staking.RegisterForStaking: alex_staking.handle_register,
    alex_staking.Stake: alex_staking.handle_stake,
    alex_staking.ClaimStakingReward: alex_staking.handle_claim,
    alphax.CreateStrikeMarket: alphax.create_market,
    alphax.MintStrikePair: alphax.mint_pair,
    alphax.RedeemStrikePair: alphax.redeem_pair,
    alphax.LiquidateStrike: alphax.liquidate_strike,
    alphax.BuyFromGraveyard: alphax.buy_from_graveyard,
    alphax.ClaimFromGraveyard: alphax.claim_from_graveyard,
    amm.CreatePool: amm.create_pool,
    amm.AddLiquidity: amm.add_liquidity,
    amm.RemoveLiquidity: amm.remove_liquidity,
    amm.PausePool: amm.pause_pool,
    amm.UnpausePool: amm.unpause_pool,
    amm_swaps.SwapExactIn: amm_swaps.swap_in,
    amm_swaps.SwapExactOut: amm_swaps.swap_out,
    amm_swaps.SwapMultiHop: amm_swaps.swap_multi_hop,
    amm_swaps.PairSwap: amm_swaps.swap_pair,
    core.RegisterAsset: core.register_asset,
    core.Mint: core.mint,
    core.Burn: core.burn,
    core.Transfer: core.transfer,
    core.UpdatePrice: core.update_price,
    fx.CreateFxPool: fx.create_fx_pool,
    fx.OperateFxPosition: fx.operate_fx_position,
    fx.OpenLeveragedFxPosition: fx_leverage.open_leveraged_either,
    fx.TransferFxPosition: fx.transfer_fx_position,
    fx_stability.DepositStability: fx_stability.deposit_stability,
    fx_stability.RequestStabilityRedeem: fx_stability.request_redeem,
    fx_stability.RedeemStability: fx_stability.redeem_stability,
    fx_stability.AccrueFxFunding: fx_stability.accrue_funding,
    fx_stability.HarvestFx: fx_stability.harvest_fx,
    fx_parameters.ChangeFxParameters: fx_parameters.change_fx_parameters,
    fx_walks.RedeemFxUSD: fx_walks.redeem_fxusd,
    fx_walks.RebalanceFx: fx_walks.rebalance_fx,
    fx_walks.LiquidateFx: fx_walks.liquidate_fx,
    reserve.CoverShortfall: reserve.handle_cover_shortfall,
    reserve.CreditReserve: reserve.handle_credit_reserve,
    core.RecordCheckpoint: core.handle_record_checkpoint,
}


def command_types() -> dict[str, type[Command]]:
    """Every command the engine handles, by class name (scenario files name them so)."""
    return {command_type.__name__: command_type for command_type in HANDLERS}
