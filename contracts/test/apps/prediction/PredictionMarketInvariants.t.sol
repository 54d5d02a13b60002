// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {PredictionConditionalTokens} from "../../../src/apps/prediction/PredictionConditionalTokens.sol";
import {PredictionMarket} from "../../../src/apps/prediction/PredictionMarket.sol";
import {NoosToken} from "../../../src/token/NoosToken.sol";
import {LinregFixtures} from "./fixtures/LinregFixtures.sol";
import {PredictionFixture} from "./PredictionFixture.sol";

/// @notice Random buys and sells by two traders on one market.
contract PredictionHandler is Test {
    PredictionMarket internal immutable MARKET;
    NoosToken internal immutable TOKEN;
    address[2] internal traders;
    uint256 public fees;
    uint256 public trades;

    constructor(PredictionMarket market, NoosToken token, address alice, address bob) {
        MARKET = market;
        TOKEN = token;
        traders = [alice, bob];
    }

    function buy(uint256 who, uint256 side, uint256 amount) external {
        address t = traders[who % 2];
        amount = bound(amount, 1, TOKEN.balanceOf(t) / 20 + 1);
        uint256 quote = MARKET.calcBuyAmount(side % 2, amount);
        vm.prank(t);
        MARKET.buy(side % 2, amount, quote);
        fees += amount * MARKET.feeBps() / 10_000;
        ++trades;
    }

    function sell(uint256 who, uint256 side, uint256 amount) external {
        address t = traders[who % 2];
        uint256 s = side % 2;
        (uint256 yes, uint256 no) = MARKET.poolBalances();
        uint256 other = s == 0 ? no : yes;
        amount = bound(amount, 1, other / 3 + 1);
        uint256 need = MARKET.calcSellAmount(s, amount);
        PredictionConditionalTokens ct = MARKET.CONDITIONAL_TOKENS();
        if (need > ct.balanceOf(t, MARKET.positionId(s))) return;
        vm.prank(t);
        MARKET.sell(s, amount, need);
        uint256 bps = MARKET.feeBps();
        fees += (amount * bps + (10_000 - bps) - 1) / (10_000 - bps);
        ++trades;
    }
}

/// @dev The market's money while trading: the conditional tokens hold exactly the outstanding full
///      sets, the market holds exactly the fees, the traders' losses are what those two gained, and
///      the pool's product never falls below the initial one. After the run it resolves with a real
///      proof and everyone cashes out: nothing is created or lost but the coprocessor fee.
contract PredictionMarketInvariants is PredictionFixture {
    PredictionHandler internal handler;
    PredictionMarket internal market;
    uint256 internal startTotal;

    function setUp() public override {
        super.setUp();
        startTotal = token.balanceOf(creator) + token.balanceOf(alice) + token.balanceOf(bob);
        market = _createHigh();
        handler = new PredictionHandler(market, token, alice, bob);
        targetContract(address(handler));
    }

    function invariant_market_collateralBacksEveryPosition() public view {
        (uint256 yes, uint256 no) = market.poolBalances();
        uint256 yesOut = yes + _bal(market, alice, 0) + _bal(market, bob, 0);
        uint256 noOut = no + _bal(market, alice, 1) + _bal(market, bob, 1);
        assertEq(yesOut, noOut, "full sets");
        assertEq(token.balanceOf(address(ct)), yesOut, "collateral = outstanding sets");
        assertEq(token.balanceOf(address(market)), handler.fees(), "market holds the fees");
        uint256 traders = token.balanceOf(alice) + token.balanceOf(bob);
        assertEq(traders + yesOut + handler.fees(), 2 * FUNDS + LIQUIDITY, "traders' losses are held");
        assertGe(yes * no, LIQUIDITY * LIQUIDITY, "product never shrinks");
    }

    function afterInvariant() public {
        _resolve(market, LinregFixtures.highInput());
        _deliverHigh(market);
        _redeem(market, alice);
        _redeem(market, bob);
        vm.prank(creator);
        market.withdrawLiquidity();
        uint256 dust = token.balanceOf(address(ct));
        assertLe(dust, 3);
        assertEq(token.balanceOf(address(market)), 0);
        uint256 spent = FEE + _protocolFee(FEE);
        assertEq(
            token.balanceOf(creator) + token.balanceOf(alice) + token.balanceOf(bob) + dust + spent,
            startTotal,
            "conserved"
        );
    }
}
