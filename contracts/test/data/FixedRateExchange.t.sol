// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Datatoken} from "../../src/data/Datatoken.sol";
import {IDataNFTFactory} from "../../src/data/IDataNFTFactory.sol";
import {IFixedRateExchange} from "../../src/data/IFixedRateExchange.sol";
import {DataFixture} from "./DataFixture.sol";

contract FixedRateExchangeTest is DataFixture {
    Datatoken internal dt;
    bytes32 internal exId;
    uint256 internal constant MARKET_FEE = 1e16; // 1%

    function setUp() public override {
        super.setUp();
        (, dt,, exId) = _publish(0, MARKET_FEE);
    }

    function test_buyDT_paysRateAndFeesAndMints() public {
        uint256 before = noos.balanceOf(buyer);
        vm.prank(buyer);
        IFixedRateExchange.Quote memory q = exchange.buyDT(exId, 1 ether, type(uint256).max, consumeMarket, 2e16);
        assertEq(q.baseNoFee, 2 ether);
        assertEq(q.protocolFee, 0.002 ether, "0.1% for NOOS");
        assertEq(q.marketFee, 0.02 ether);
        assertEq(q.consumeMarketFee, 0.04 ether);
        assertEq(q.baseTokenAmount, 2.062 ether);
        assertEq(before - noos.balanceOf(buyer), q.baseTokenAmount);
        assertEq(dt.balanceOf(buyer), 1 ether);
        assertEq(noos.balanceOf(consumeMarket), 0.04 ether);
        IFixedRateExchange.Exchange memory e = exchange.getExchange(exId);
        assertEq(e.btBalance, 2 ether);
        assertEq(e.marketFeeAvailable, 0.02 ether);
        assertEq(e.protocolFeeAvailable, 0.002 ether);
        assertEq(noos.balanceOf(address(exchange)), 2.022 ether);
    }

    function test_collect_paysPublisherMarketAndProtocol() public {
        _buy(exId, 1 ether);
        exchange.collectBT(exId, 2 ether);
        exchange.collectMarketFee(exId);
        exchange.collectProtocolFee(exId);
        assertEq(noos.balanceOf(publisher), 10_002 ether, "publisher revenue to the payment collector");
        assertEq(noos.balanceOf(publishMarket), 0.02 ether);
        assertEq(noos.balanceOf(treasury), 0.002 ether);
        assertEq(noos.balanceOf(address(exchange)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IFixedRateExchange.ExchangeNotEnoughBaseTokens.selector, exId, 1, 0)
        );
        exchange.collectBT(exId, 1);
    }

    function test_sellDT_returnsBaseLessFees() public {
        _buy(exId, 2 ether);
        vm.startPrank(buyer);
        dt.approve(address(exchange), 1 ether);
        IFixedRateExchange.Quote memory q = exchange.sellDT(exId, 1 ether, 0, address(0), 0);
        vm.stopPrank();
        assertEq(q.baseTokenAmount, 2 ether - 0.002 ether - 0.02 ether);
        IFixedRateExchange.Exchange memory e = exchange.getExchange(exId);
        assertEq(e.dtBalance, 1 ether);
        assertEq(e.btBalance, 2 ether);
        // The next buy comes out of the exchange's DT balance, not a mint.
        uint256 supply = dt.totalSupply();
        _buy(exId, 1 ether);
        assertEq(dt.totalSupply(), supply);
        assertEq(exchange.getExchange(exId).dtBalance, 0);
    }

    function testFuzz_buyDT_feesPlusRevenueEqualPaid(uint256 amount, uint256 consumeFee) public {
        amount = bound(amount, 1, 1000 ether);
        consumeFee = bound(consumeFee, 0, 5e17);
        if (consumeFee != 0 && consumeFee < 1e14) consumeFee = 1e14;
        uint256 before = noos.balanceOf(buyer);
        vm.prank(buyer);
        IFixedRateExchange.Quote memory q = exchange.buyDT(exId, amount, type(uint256).max, consumeMarket, consumeFee);
        IFixedRateExchange.Exchange memory e = exchange.getExchange(exId);
        uint256 paid = before - noos.balanceOf(buyer);
        assertEq(paid, e.btBalance + e.marketFeeAvailable + e.protocolFeeAvailable + noos.balanceOf(consumeMarket));
        assertEq(paid, q.baseTokenAmount);
        assertGe(q.baseNoFee * 1e18, amount * RATE, "never under the rate");
        assertEq(dt.balanceOf(buyer), amount);
    }

    function test_buyDT_revertsOnSlippageInactiveSwapperUnknownZero() public {
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeSlippage.selector, 2.022 ether, 2 ether));
        exchange.buyDT(exId, 1 ether, 2 ether, address(0), 0);
        vm.prank(buyer);
        vm.expectRevert(IFixedRateExchange.ExchangeZeroAmount.selector);
        exchange.buyDT(exId, 0, 1, address(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeUnknown.selector, bytes32(0)));
        exchange.buyDT(bytes32(0), 1, 1, address(0), 0);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeFeeOutOfRange.selector, 1, 1e14, 5e17));
        exchange.buyDT(exId, 1 ether, type(uint256).max, consumeMarket, 1);
        vm.prank(publisher);
        exchange.setAllowedSwapper(exId, publisher);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeNotAllowedSwapper.selector, exId, buyer, publisher));
        exchange.buyDT(exId, 1 ether, type(uint256).max, address(0), 0);
        vm.prank(publisher);
        exchange.setActive(exId, false);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeInactive.selector, exId));
        exchange.buyDT(exId, 1 ether, type(uint256).max, address(0), 0);
    }

    function test_buyDT_revertsWithoutMintOrBalance() public {
        vm.prank(publisher);
        exchange.setMintState(exId, false);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeNotEnoughDatatokens.selector, exId, 1 ether, 0));
        exchange.buyDT(exId, 1 ether, type(uint256).max, address(0), 0);
        // The publisher stocks the exchange instead.
        vm.startPrank(publisher);
        dt.mint(publisher, 1 ether);
        dt.approve(address(exchange), 1 ether);
        exchange.depositDT(exId, 1 ether);
        vm.expectRevert(IFixedRateExchange.ExchangeZeroAmount.selector);
        exchange.depositDT(exId, 0);
        vm.stopPrank();
        _buy(exId, 1 ether);
        assertEq(dt.balanceOf(buyer), 1 ether);
    }

    function test_sellDT_revertsOnSlippageOrNoBase() public {
        vm.startPrank(publisher);
        dt.mint(publisher, 1 ether);
        dt.approve(address(exchange), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeNotEnoughBaseTokens.selector, exId, 2 ether, 0));
        exchange.sellDT(exId, 1 ether, 0, address(0), 0);
        vm.stopPrank();
        _buy(exId, 1 ether);
        vm.startPrank(buyer);
        dt.approve(address(exchange), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeSlippage.selector, 1.978 ether, 2 ether));
        exchange.sellDT(exId, 1 ether, 2 ether, address(0), 0);
        vm.stopPrank();
    }

    function test_sellDT_revertsWhenFeesExceedProceeds() public {
        _buy(exId, 1 ether);
        vm.prank(publishMarket);
        exchange.updateMarketFee(exId, 5e17, publishMarket);
        vm.startPrank(buyer);
        dt.approve(address(exchange), 1 ether);
        // 50% market + 50% consume + 0.1% protocol of 2 NOOS
        vm.expectRevert(
            abi.encodeWithSelector(IFixedRateExchange.ExchangeFeesAboveProceeds.selector, 2.002 ether, 2 ether)
        );
        exchange.sellDT(exId, 1 ether, 0, consumeMarket, 5e17);
        vm.stopPrank();
    }

    function test_createExchange_checks() public {
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeNotFactoryDatatoken.selector, address(noos)));
        exchange.createExchange(address(noos), address(noos), RATE, 0, address(0), true, address(0));
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeExists.selector, exId));
        vm.prank(publisher);
        exchange.createExchange(address(dt), address(noos), RATE, 0, address(0), true, address(0));
        Datatoken other = Datatoken(_otherBase());
        bytes32 id2 = exchange.exchangeId(address(other), address(dt));
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeNotDeployer.selector, id2, buyer));
        vm.prank(buyer);
        exchange.createExchange(address(dt), address(other), RATE, 0, address(0), true, address(0));
        vm.startPrank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeRateTooLow.selector, 1, 1e10));
        exchange.createExchange(address(dt), address(other), 1, 0, address(0), true, address(0));
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeFeeOutOfRange.selector, 6e17, 1e14, 5e17));
        exchange.createExchange(address(dt), address(other), RATE, 6e17, publisher, true, address(0));
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeZeroAddress.selector, bytes32("marketFeeCollector")));
        exchange.createExchange(address(dt), address(other), RATE, 1e16, address(0), true, address(0));
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeZeroAddress.selector, bytes32("baseToken")));
        exchange.createExchange(address(dt), address(0), RATE, 0, address(0), true, address(0));
        exchange.createExchange(address(dt), address(other), RATE, 0, address(0), true, address(0));
        vm.stopPrank();
        assertEq(factory.protocolSwapFee(address(other)), 2e15, "0.2% for other base tokens");
    }

    /// A second asset's datatoken serves as "another ERC-20" base token.
    function _otherBase() internal returns (address) {
        _create(_dtParams(0), _pricing(IDataNFTFactory.PricingKind.None, 0));
        return _lastDt;
    }

    function test_ownerSetters_revertForOthers() public {
        vm.startPrank(buyer);
        bytes memory err = abi.encodeWithSelector(IFixedRateExchange.ExchangeNotDeployer.selector, exId, buyer);
        vm.expectRevert(err);
        exchange.setRate(exId, 3 ether);
        vm.expectRevert(err);
        exchange.setActive(exId, false);
        vm.expectRevert(err);
        exchange.setMintState(exId, false);
        vm.expectRevert(err);
        exchange.setAllowedSwapper(exId, buyer);
        vm.expectRevert(err);
        exchange.updateMarketFee(exId, 0, buyer);
        vm.stopPrank();
        vm.startPrank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeRateTooLow.selector, 0, 1e10));
        exchange.setRate(exId, 0);
        exchange.setRate(exId, 3 ether);
        vm.stopPrank();
        assertEq(exchange.getExchange(exId).fixedRate, 3 ether);
        vm.prank(publishMarket);
        exchange.updateMarketFee(exId, 2e16, publishMarket);
        assertEq(exchange.getExchange(exId).marketFee, 2e16);
    }

    function test_collectDT_toPaymentCollector() public {
        vm.startPrank(publisher);
        dt.mint(publisher, 1 ether);
        dt.approve(address(exchange), 1 ether);
        exchange.depositDT(exId, 1 ether);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IFixedRateExchange.ExchangeNotEnoughDatatokens.selector, exId, 2 ether, 1 ether));
        exchange.collectDT(exId, 2 ether);
        exchange.collectDT(exId, 1 ether);
        assertEq(dt.balanceOf(publisher), 1 ether);
    }
}
