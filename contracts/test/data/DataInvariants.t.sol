// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Datatoken} from "../../src/data/Datatoken.sol";
import {FixedRateExchange} from "../../src/data/FixedRateExchange.sol";
import {IDatatoken} from "../../src/data/IDatatoken.sol";
import {IFixedRateExchange} from "../../src/data/IFixedRateExchange.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";
import {DataFixture} from "./DataFixture.sol";

/// Random buys, sells, orders, reuses and collections by three actors.
contract DataHandler is Test {
    FixedRateExchange internal ex;
    Datatoken internal dt;
    NoosToken internal noos;
    bytes32 internal id;
    uint256 internal providerKey;
    address[3] internal actors;
    address internal consumeMarket;
    uint256 public minted;
    uint256 public burned;
    uint256 public orders;

    constructor(
        FixedRateExchange ex_,
        Datatoken dt_,
        NoosToken noos_,
        bytes32 id_,
        uint256 providerKey_,
        address[3] memory actors_,
        address consumeMarket_
    ) {
        (ex, dt, noos, id, providerKey, actors, consumeMarket) = (ex_, dt_, noos_, id_, providerKey_, actors_, consumeMarket_);
    }

    function buy(uint256 a, uint256 amount, uint256 fee) external {
        address who = actors[a % 3];
        amount = bound(amount, 1, 5 ether);
        fee = bound(fee, 0, 1e17);
        if (fee != 0 && fee < 1e14) fee = 1e14;
        uint256 fromBalance = ex.getExchange(id).dtBalance;
        vm.prank(who);
        ex.buyDT(id, amount, type(uint256).max, consumeMarket, fee);
        if (fromBalance < amount) minted += amount;
    }

    function sell(uint256 a, uint256 amount) external {
        address who = actors[a % 3];
        uint256 bal = dt.balanceOf(who);
        if (bal == 0) return;
        amount = bound(amount, 1, bal);
        if (ex.calcBaseOutGivenInDT(id, amount, 0).baseNoFee > ex.getExchange(id).btBalance) return;
        vm.prank(who);
        ex.sellDT(id, amount, 0, address(0), 0);
    }

    function order(uint256 a, uint256 fee, uint64 validity) external {
        address who = actors[a % 3];
        if (dt.balanceOf(who) < 1 ether) return;
        fee = bound(fee, 0, 1 ether);
        IDatatoken.ProviderFee memory f = _quote(who, fee, uint64(bound(validity, 0, 30 days)));
        vm.prank(who);
        dt.startOrder(who, 0, f, IDatatoken.Fee(consumeMarket, address(noos), fee / 2));
        burned += 1 ether;
        orders++;
    }

    function collect(uint256 amount) external {
        amount = bound(amount, 0, ex.getExchange(id).btBalance);
        ex.collectBT(id, amount);
        ex.collectMarketFee(id);
        ex.collectProtocolFee(id);
    }

    function warp(uint256 s) external {
        vm.warp(block.timestamp + bound(s, 1, 1 days));
    }

    function _quote(address consumer, uint256 amount, uint64 validity) internal view returns (IDatatoken.ProviderFee memory f) {
        f = IDatatoken.ProviderFee(vm.addr(providerKey), address(noos), amount, validity, uint64(block.timestamp + 60), abi.encode(orders), "");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            providerKey,
            keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", dt.providerFeeDigest(consumer, 0, f)))
        );
        f.signature = abi.encodePacked(r, s, v);
    }
}

contract DataInvariantsTest is DataFixture {
    DataHandler internal handler;
    Datatoken internal dt;
    bytes32 internal exId;
    address[3] internal actors;
    uint256 internal noosTotal;

    function setUp() public override {
        super.setUp();
        (, dt,, exId) = _publish(0.1 ether, 1e16);
        actors = [makeAddr("a0"), makeAddr("a1"), makeAddr("a2")];
        for (uint256 i; i < 3; ++i) {
            noos.transfer(actors[i], 1000 ether);
            vm.startPrank(actors[i]);
            noos.approve(address(exchange), type(uint256).max);
            noos.approve(address(dt), type(uint256).max);
            dt.approve(address(exchange), type(uint256).max);
            vm.stopPrank();
        }
        handler = new DataHandler(exchange, dt, noos, exId, providerKey, actors, consumeMarket);
        targetContract(address(handler));
        noosTotal = _noosHeld();
    }

    function _noosHeld() internal view returns (uint256 sum) {
        for (uint256 i; i < 3; ++i) {
            sum += noos.balanceOf(actors[i]);
        }
        sum += noos.balanceOf(address(exchange)) + noos.balanceOf(publisher) + noos.balanceOf(publishMarket);
        sum += noos.balanceOf(consumeMarket) + noos.balanceOf(provider) + noos.balanceOf(treasury);
    }

    /// NOOS is only moved, never created or lost: buys, sells, order fees and collections conserve it.
    function invariant_noosConserved() public view {
        assertEq(_noosHeld(), noosTotal);
    }

    /// The exchange holds exactly the publisher's base balance plus the uncollected fees.
    function invariant_exchangeBaseAccounted() public view {
        IFixedRateExchange.Exchange memory e = exchange.getExchange(exId);
        assertEq(noos.balanceOf(address(exchange)), e.btBalance + e.marketFeeAvailable + e.protocolFeeAvailable);
        assertEq(dt.balanceOf(address(exchange)), e.dtBalance);
    }

    /// Datatoken supply = minted - burned (1 per order) = what the actors and the exchange hold.
    function invariant_datatokensConserved() public view {
        assertEq(dt.totalSupply(), handler.minted() - handler.burned());
        uint256 held = dt.balanceOf(address(exchange));
        for (uint256 i; i < 3; ++i) {
            held += dt.balanceOf(actors[i]);
        }
        assertEq(held, dt.totalSupply());
        assertEq(dt.orderCount(), handler.orders());
    }
}
