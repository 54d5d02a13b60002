// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Datatoken} from "../../src/data/Datatoken.sol";
import {IDataNFTFactory} from "../../src/data/IDataNFTFactory.sol";
import {IDispenser} from "../../src/data/IDispenser.sol";
import {DataFixture} from "./DataFixture.sol";

contract DispenserTest is DataFixture {
    Datatoken internal dt;

    function setUp() public override {
        super.setUp();
        (, dt) = _publishFree();
    }

    function test_dispense_mintsUpToMaxBalance() public {
        vm.prank(buyer);
        dispenser.dispense(address(dt), 1 ether, buyer);
        assertEq(dt.balanceOf(buyer), 1 ether);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserBalanceAtMax.selector, buyer, 1 ether, 1 ether));
        dispenser.dispense(address(dt), 1 ether, buyer);
    }

    function test_dispense_revertsOnLimits() public {
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserAboveMaxTokens.selector, 2 ether, 1 ether));
        dispenser.dispense(address(dt), 2 ether, buyer);
        vm.expectRevert(IDispenser.DispenserZeroAmount.selector);
        dispenser.dispense(address(dt), 0, buyer);
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserZeroAddress.selector, bytes32("destination")));
        dispenser.dispense(address(dt), 1, address(0));
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserUnknown.selector, address(noos)));
        dispenser.dispense(address(noos), 1, buyer);
        vm.prank(publisher);
        dispenser.setAllowedSwapper(address(dt), publisher);
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserNotAllowedSwapper.selector, address(dt), buyer, publisher));
        vm.prank(buyer);
        dispenser.dispense(address(dt), 1, buyer);
        vm.prank(publisher);
        dispenser.deactivate(address(dt));
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserInactive.selector, address(dt)));
        vm.prank(publisher);
        dispenser.dispense(address(dt), 1, buyer);
    }

    function test_dispense_fromBalanceWhenNotMinter() public {
        vm.startPrank(publisher);
        dt.setMinter(address(dispenser), false);
        dt.mint(address(dispenser), 0.5 ether);
        vm.stopPrank();
        dispenser.dispense(address(dt), 0.5 ether, buyer);
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserNotEnoughTokens.selector, 0.5 ether, 0));
        dispenser.dispense(address(dt), 0.5 ether, buyer);
    }

    function test_ownerSide_activateWithdrawAndRefusals() public {
        vm.startPrank(buyer);
        bytes memory err = abi.encodeWithSelector(IDispenser.DispenserNotDeployer.selector, address(dt), buyer);
        vm.expectRevert(err);
        dispenser.activate(address(dt), 1, 1);
        vm.expectRevert(err);
        dispenser.deactivate(address(dt));
        vm.expectRevert(err);
        dispenser.setAllowedSwapper(address(dt), buyer);
        vm.expectRevert(err);
        dispenser.ownerWithdraw(address(dt));
        vm.stopPrank();
        vm.startPrank(publisher);
        dispenser.activate(address(dt), 5 ether, 10 ether);
        dt.mint(address(dispenser), 2 ether);
        dispenser.ownerWithdraw(address(dt));
        vm.stopPrank();
        assertEq(dt.balanceOf(publisher), 2 ether);
        assertEq(dispenser.status(address(dt)).maxTokens, 5 ether);
    }

    function test_create_checks() public {
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserNotFactoryDatatoken.selector, address(noos)));
        dispenser.create(address(noos), 1, 1, address(0));
        vm.prank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserExists.selector, address(dt)));
        dispenser.create(address(dt), 1, 1, address(0));
        _create(_dtParams(0), _pricing(IDataNFTFactory.PricingKind.None, 0));
        vm.expectRevert(abi.encodeWithSelector(IDispenser.DispenserNotDeployer.selector, _lastDt, buyer));
        vm.prank(buyer);
        dispenser.create(_lastDt, 1, 1, address(0));
        vm.prank(publisher);
        dispenser.create(_lastDt, 1, 1, address(0));
        assertTrue(dispenser.status(_lastDt).exists);
        assertFalse(dispenser.status(_lastDt).isMinter);
    }
}
