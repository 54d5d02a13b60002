// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ProtocolParams} from "../../src/config/ProtocolParams.sol";
import {IProviderRegistry} from "../../src/registry/IProviderRegistry.sol";
import {ProviderRegistry} from "../../src/registry/ProviderRegistry.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

contract ProviderRegistryTest is Test {
    bytes32 internal constant PROVIDER = keccak256("PROVIDER");
    uint256 internal constant MIN_STAKE = 100 ether;
    string internal constant HOST = "https://provider.example:8443";
    string internal constant GPU_KEY = "capabilities/gpu/vendor/nvidia/model/a100";

    NoosToken internal token;
    ProtocolParams internal params;
    Staking internal staking;
    ProviderRegistry internal registry;

    address internal owner = makeAddr("owner");
    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal bank = makeAddr("bank");
    address internal p1 = makeAddr("p1");
    address internal p2 = makeAddr("p2");
    address internal p3 = makeAddr("p3");
    address internal auditor1 = makeAddr("auditor1");
    address internal auditor2 = makeAddr("auditor2");
    address internal auditor3 = makeAddr("auditor3");

    function setUp() public {
        token = new NoosToken(admin, bank, 1_000_000 ether);
        params = new ProtocolParams(owner, treasury);
        staking = new Staking(IERC20(address(token)), params, admin);
        registry = new ProviderRegistry(staking, params);
        _fundAndStake(p1, MIN_STAKE);
        _fundAndStake(p2, MIN_STAKE);
        _fundAndStake(p3, MIN_STAKE);
    }

    // ---- constructor ----

    function test_constructor_wiresDependencies() public view {
        assertEq(address(registry.staking()), address(staking));
        assertEq(address(registry.params()), address(params));
        assertEq(registry.PROVIDER_ROLE(), keccak256("PROVIDER"));
        assertEq(registry.PROVIDER_ROLE(), staking.PROVIDER_ROLE());
        assertEq(registry.MAX_ATTRIBUTES(), 32);
        assertEq(registry.MAX_ATTRIBUTE_LENGTH(), 128);
        assertEq(registry.MAX_HOST_URI_LENGTH(), 256);
        assertEq(registry.providers().length, 0);
    }

    // ---- register ----

    function test_register_storesRecord() public {
        vm.warp(1_700_000_000);
        IProviderRegistry.Attribute[] memory attrs = _attrs2("region", "eu", GPU_KEY, "true");

        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.ProviderRegistered(p1, HOST);
        vm.prank(p1);
        registry.register(HOST, attrs);

        assertTrue(registry.isRegistered(p1));
        assertTrue(registry.isEligible(p1));
        IProviderRegistry.Provider memory record = registry.getProvider(p1);
        assertEq(record.hostUri, HOST);
        assertEq(record.registeredAt, 1_700_000_000);
        assertEq(record.attributes.length, 2);
        assertEq(record.attributes[0].key, "region");
        assertEq(record.attributes[0].value, "eu");
        assertEq(record.attributes[1].key, GPU_KEY);
        assertEq(record.attributes[1].value, "true");
        address[] memory list = registry.providers();
        assertEq(list.length, 1);
        assertEq(list[0], p1);
    }

    function test_register_withoutAttributes() public {
        _register(p1, _none());
        assertEq(registry.getProvider(p1).attributes.length, 0);
    }

    function test_register_revertsWithoutStake() public {
        address nobody = makeAddr("nobody");
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, nobody, 0, MIN_STAKE)
        );
        vm.prank(nobody);
        registry.register(HOST, _none());
    }

    function test_register_revertsBelowMinimumStake() public {
        address small = makeAddr("small");
        _fundAndStake(small, MIN_STAKE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.RegistryInsufficientStake.selector, small, MIN_STAKE - 1, MIN_STAKE
            )
        );
        vm.prank(small);
        registry.register(HOST, _none());
    }

    function test_register_revertsWithStakeInOtherRole() public {
        address other = makeAddr("other");
        vm.prank(bank);
        token.transfer(other, MIN_STAKE);
        vm.startPrank(other);
        token.approve(address(staking), MIN_STAKE);
        staking.stake(keccak256("VALIDATOR"), MIN_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, other, 0, MIN_STAKE)
        );
        registry.register(HOST, _none());
        vm.stopPrank();
    }

    function test_register_revertsWhenStakeIsUnbonding() public {
        vm.prank(p1);
        staking.requestUnstake(PROVIDER, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, p1, MIN_STAKE - 1, MIN_STAKE)
        );
        vm.prank(p1);
        registry.register(HOST, _none());
    }

    function test_register_acceptsStakeFor() public {
        address fresh = makeAddr("fresh");
        vm.prank(bank);
        token.approve(address(staking), MIN_STAKE);
        vm.prank(bank);
        staking.stakeFor(fresh, PROVIDER, MIN_STAKE);
        _register(fresh, _none());
        assertTrue(registry.isEligible(fresh));
    }

    function test_register_followsMinProviderStakeParam() public {
        vm.prank(owner);
        params.setMinProviderStake(0);
        address free = makeAddr("free");
        _register(free, _none());
        assertTrue(registry.isEligible(free));

        vm.prank(owner);
        params.setMinProviderStake(MIN_STAKE + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RegistryInsufficientStake.selector, p1, MIN_STAKE, MIN_STAKE + 1)
        );
        vm.prank(p1);
        registry.register(HOST, _none());
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        _register(p1, _none());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryAlreadyRegistered.selector, p1));
        vm.prank(p1);
        registry.register(HOST, _none());
    }

    function test_register_revertsOnEmptyHostUri() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidHostUri.selector, 0, 256));
        vm.prank(p1);
        registry.register("", _none());
    }

    function test_register_revertsOnLongHostUri() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidHostUri.selector, 257, 256));
        vm.prank(p1);
        registry.register(_repeat("h", 257), _none());
    }

    function test_register_acceptsMaxLengthHostUri() public {
        string memory uri = _repeat("h", 256);
        vm.prank(p1);
        registry.register(uri, _none());
        assertEq(registry.getProvider(p1).hostUri, uri);
    }

    function test_register_revertsOnTooManyAttributes() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryTooManyAttributes.selector, 33, 32));
        vm.prank(p1);
        registry.register(HOST, _many(33));
    }

    function test_register_acceptsMaxAttributes() public {
        _register(p1, _many(32));
        assertEq(registry.getProvider(p1).attributes.length, 32);
    }

    function test_register_revertsOnEmptyKey() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 1));
        vm.prank(p1);
        registry.register(HOST, _attrs2("region", "eu", "", "x"));
    }

    function test_register_revertsOnEmptyValue() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 0));
        vm.prank(p1);
        registry.register(HOST, _attrs1("region", ""));
    }

    function test_register_revertsOnLongKey() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 0));
        vm.prank(p1);
        registry.register(HOST, _attrs1(_repeat("k", 129), "v"));
    }

    function test_register_revertsOnLongValue() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 1));
        vm.prank(p1);
        registry.register(HOST, _attrs2("a", "b", "c", _repeat("v", 129)));
    }

    function test_register_acceptsMaxLengthKeyAndValue() public {
        _register(p1, _attrs1(_repeat("k", 128), _repeat("v", 128)));
        assertEq(bytes(registry.getProvider(p1).attributes[0].key).length, 128);
    }

    function test_register_revertsOnDuplicateKey() public {
        IProviderRegistry.Attribute[] memory attrs = new IProviderRegistry.Attribute[](3);
        attrs[0] = IProviderRegistry.Attribute("region", "eu");
        attrs[1] = IProviderRegistry.Attribute("tier", "1");
        attrs[2] = IProviderRegistry.Attribute("region", "us");
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 2));
        vm.prank(p1);
        registry.register(HOST, attrs);
    }

    // ---- update ----

    function test_update_replacesHostAndAttributes() public {
        vm.warp(1000);
        _register(p1, _attrs2("region", "eu", "tier", "1"));
        vm.warp(2000);

        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.ProviderUpdated(p1, "https://new.example");
        vm.prank(p1);
        registry.update("https://new.example", _attrs1("region", "us"));

        IProviderRegistry.Provider memory record = registry.getProvider(p1);
        assertEq(record.hostUri, "https://new.example");
        assertEq(record.registeredAt, 1000);
        assertEq(record.attributes.length, 1);
        assertEq(record.attributes[0].key, "region");
        assertEq(record.attributes[0].value, "us");
        assertEq(registry.providers().length, 1);
    }

    function test_update_canClearAttributes() public {
        _register(p1, _attrs2("region", "eu", "tier", "1"));
        vm.prank(p1);
        registry.update(HOST, _none());
        assertEq(registry.getProvider(p1).attributes.length, 0);
    }

    function test_update_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, p1));
        vm.prank(p1);
        registry.update(HOST, _none());
    }

    function test_update_revertsOnEmptyHostUri() public {
        _register(p1, _none());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidHostUri.selector, 0, 256));
        vm.prank(p1);
        registry.update("", _none());
    }

    function test_update_revertsOnLongHostUri() public {
        _register(p1, _none());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidHostUri.selector, 300, 256));
        vm.prank(p1);
        registry.update(_repeat("h", 300), _none());
    }

    function test_update_revertsOnTooManyAttributes() public {
        _register(p1, _none());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryTooManyAttributes.selector, 40, 32));
        vm.prank(p1);
        registry.update(HOST, _many(40));
    }

    function test_update_revertsOnInvalidAttributeAndKeepsOldSet() public {
        _register(p1, _attrs1("region", "eu"));
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 1));
        vm.prank(p1);
        registry.update(HOST, _attrs2("a", "1", "a", "2"));
        IProviderRegistry.Provider memory record = registry.getProvider(p1);
        assertEq(record.attributes.length, 1);
        assertEq(record.attributes[0].value, "eu");
    }

    // ---- unregister ----

    function test_unregister_removesRecord() public {
        _register(p1, _attrs1("region", "eu"));
        vm.expectEmit(true, false, false, true, address(registry));
        emit IProviderRegistry.ProviderUnregistered(p1);
        vm.prank(p1);
        registry.unregister();

        assertFalse(registry.isRegistered(p1));
        assertFalse(registry.isEligible(p1));
        assertEq(registry.providers().length, 0);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, p1));
        registry.getProvider(p1);
    }

    function test_unregister_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, p1));
        vm.prank(p1);
        registry.unregister();
    }

    function test_unregister_twiceReverts() public {
        _register(p1, _none());
        vm.prank(p1);
        registry.unregister();
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, p1));
        vm.prank(p1);
        registry.unregister();
    }

    function test_unregister_fromMiddleKeepsListConsistent() public {
        _register(p1, _none());
        _register(p2, _none());
        _register(p3, _none());

        vm.prank(p2);
        registry.unregister();
        address[] memory list = registry.providers();
        assertEq(list.length, 2);
        assertEq(list[0], p1);
        assertEq(list[1], p3);
        assertTrue(registry.isRegistered(p1));
        assertFalse(registry.isRegistered(p2));
        assertTrue(registry.isRegistered(p3));

        // p3 moved into p2's slot: removing it must use its new index.
        vm.prank(p3);
        registry.unregister();
        list = registry.providers();
        assertEq(list.length, 1);
        assertEq(list[0], p1);

        _register(p2, _none());
        _register(p3, _none());
        vm.prank(p1); // head of the list
        registry.unregister();
        list = registry.providers();
        assertEq(list.length, 2);
        assertEq(list[0], p3);
        assertEq(list[1], p2);

        vm.prank(p2); // tail of the list
        registry.unregister();
        vm.prank(p3);
        registry.unregister();
        assertEq(registry.providers().length, 0);
    }

    function test_unregister_thenRegisterAgainStartsFresh() public {
        vm.warp(1000);
        _register(p1, _attrs2("region", "eu", "tier", "1"));
        vm.prank(p1);
        registry.unregister();
        vm.warp(5000);
        vm.prank(p1);
        registry.register("https://again.example", _none());
        IProviderRegistry.Provider memory record = registry.getProvider(p1);
        assertEq(record.hostUri, "https://again.example");
        assertEq(record.attributes.length, 0);
        assertEq(record.registeredAt, 5000);
    }

    function testFuzz_unregister_listMatchesMembership(uint256 seed) public {
        address[6] memory ps;
        for (uint256 i; i < ps.length; ++i) {
            ps[i] = makeAddr(string.concat("fp", vm.toString(i)));
            _fundAndStake(ps[i], MIN_STAKE);
        }
        bool[6] memory member;
        uint256 count;
        for (uint256 step; step < 24; ++step) {
            uint256 k = uint256(keccak256(abi.encode(seed, step))) % ps.length;
            vm.prank(ps[k]);
            if (member[k]) {
                registry.unregister();
                --count;
            } else {
                registry.register(HOST, _none());
                ++count;
            }
            member[k] = !member[k];

            address[] memory list = registry.providers();
            assertEq(list.length, count);
            for (uint256 i; i < ps.length; ++i) {
                assertEq(registry.isRegistered(ps[i]), member[i]);
                uint256 seen;
                for (uint256 j; j < list.length; ++j) {
                    if (list[j] == ps[i]) ++seen;
                }
                assertEq(seen, member[i] ? 1 : 0);
            }
        }
    }

    // ---- signAttributes / revokeAttributes ----

    function test_signAttributes_storesAndEmits() public {
        _register(p1, _none());
        vm.expectEmit(true, true, false, true, address(registry));
        emit IProviderRegistry.AttributesSigned(p1, auditor1, 2);
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs2("region", "eu", "tier", "1"));

        IProviderRegistry.Attribute[] memory signed = registry.signedAttributes(p1, auditor1);
        assertEq(signed.length, 2);
        assertEq(signed[0].key, "region");
        assertEq(signed[1].value, "1");
        assertEq(registry.signedAttributes(p1, auditor2).length, 0);
        assertEq(registry.signedAttributes(p2, auditor1).length, 0);
    }

    function test_signAttributes_replacesPreviousSet() public {
        _register(p1, _none());
        vm.startPrank(auditor1);
        registry.signAttributes(p1, _attrs2("region", "eu", "tier", "1"));
        registry.signAttributes(p1, _attrs1("region", "us"));
        vm.stopPrank();
        IProviderRegistry.Attribute[] memory signed = registry.signedAttributes(p1, auditor1);
        assertEq(signed.length, 1);
        assertEq(signed[0].value, "us");
    }

    function test_signAttributes_revertsOnUnregisteredProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryNotRegistered.selector, p1));
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("region", "eu"));
    }

    function test_signAttributes_revertsOnTooManyAttributes() public {
        _register(p1, _none());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryTooManyAttributes.selector, 33, 32));
        vm.prank(auditor1);
        registry.signAttributes(p1, _many(33));
    }

    function test_signAttributes_revertsOnInvalidAttribute() public {
        _register(p1, _none());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 0));
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("", "eu"));
    }

    function test_signAttributes_revertsOnDuplicateKey() public {
        _register(p1, _none());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RegistryInvalidAttribute.selector, 1));
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs2("region", "eu", "region", "eu"));
    }

    function test_revokeAttributes_clearsAndEmits() public {
        _register(p1, _none());
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("region", "eu"));
        vm.prank(auditor2);
        registry.signAttributes(p1, _attrs1("region", "eu"));

        vm.expectEmit(true, true, false, true, address(registry));
        emit IProviderRegistry.AttributesRevoked(p1, auditor1);
        vm.prank(auditor1);
        registry.revokeAttributes(p1);

        assertEq(registry.signedAttributes(p1, auditor1).length, 0);
        assertEq(registry.signedAttributes(p1, auditor2).length, 1);
    }

    function test_revokeAttributes_worksForUnregisteredProvider() public {
        _register(p1, _none());
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("region", "eu"));
        vm.prank(p1);
        registry.unregister();
        vm.prank(auditor1);
        registry.revokeAttributes(p1);
        assertEq(registry.signedAttributes(p1, auditor1).length, 0);
    }

    // ---- isEligible ----

    function test_isEligible_falseWhenNotRegistered() public view {
        assertFalse(registry.isEligible(p1));
        assertFalse(registry.isRegistered(p1));
    }

    function test_isEligible_dropsAfterUnstakeBelowMinimum() public {
        _register(p1, _none());
        assertTrue(registry.isEligible(p1));
        vm.prank(p1);
        staking.requestUnstake(PROVIDER, 1);
        assertFalse(registry.isEligible(p1));
        assertTrue(registry.isRegistered(p1)); // still listed, just not eligible

        // Topping the stake back up restores eligibility.
        vm.prank(bank);
        token.approve(address(staking), 1);
        vm.prank(bank);
        staking.stakeFor(p1, PROVIDER, 1);
        assertTrue(registry.isEligible(p1));
    }

    function test_isEligible_dropsAfterSlash() public {
        _register(p1, _none());
        address slasher = makeAddr("slasher");
        bytes32 role = staking.SLASHER_ROLE();
        vm.prank(admin);
        staking.grantRole(role, slasher);
        vm.prank(slasher);
        staking.slash(p1, PROVIDER, 10 ether, address(0));
        assertFalse(registry.isEligible(p1));
    }

    function test_isEligible_followsMinimumChanges() public {
        _register(p1, _none());
        vm.prank(owner);
        params.setMinProviderStake(MIN_STAKE + 1);
        assertFalse(registry.isEligible(p1));
        vm.prank(owner);
        params.setMinProviderStake(MIN_STAKE);
        assertTrue(registry.isEligible(p1));
    }

    // ---- matchesPlacement: provider's own attributes ----

    function test_matchesPlacement_emptyRequirementsMatchAnyRegistered() public {
        _register(p1, _none());
        _register(p2, _attrs1("region", "eu"));
        IProviderRegistry.Placement memory placement = _placement(_none());
        assertTrue(registry.matchesPlacement(p1, placement));
        assertTrue(registry.matchesPlacement(p2, placement));
    }

    function test_matchesPlacement_unregisteredNeverMatches() public {
        IProviderRegistry.Placement memory placement = _placement(_none());
        assertFalse(registry.matchesPlacement(p1, placement));

        _register(p1, _attrs1("region", "eu"));
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("region", "eu"));
        vm.prank(p1);
        registry.unregister();

        assertFalse(registry.matchesPlacement(p1, placement));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("region", "eu"))));
        placement = _placement(_attrs1("region", "eu"));
        placement.allOf = _addrs1(auditor1);
        assertFalse(registry.matchesPlacement(p1, placement));
    }

    function test_matchesPlacement_subsetMatches() public {
        _register(p1, _attrs3("region", "eu", "tier", "1", GPU_KEY, "true"));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("tier", "1"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs2(GPU_KEY, "true", "region", "eu"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs3(GPU_KEY, "true", "region", "eu", "tier", "1"))));
    }

    function test_matchesPlacement_supersetDoesNotMatch() public {
        _register(p1, _attrs1("region", "eu"));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs2("region", "eu", "tier", "1"))));
    }

    function test_matchesPlacement_valueMismatch() public {
        _register(p1, _attrs2("region", "eu", "tier", "1"));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("region", "us"))));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs2("region", "eu", "tier", "2"))));
        // Values are compared exactly, never as globs.
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("region", "*"))));
    }

    function test_matchesPlacement_keyIsCaseSensitiveAndExact() public {
        _register(p1, _attrs1("region", "eu"));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("Region", "eu"))));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("regio", "eu"))));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("region/", "eu"))));
    }

    function test_matchesPlacement_keyWildcardWithinSegment() public {
        _register(p1, _attrs1(GPU_KEY, "true"));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/nvidia/model/*", "true"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("capabilities/*/vendor/*/model/*", "true"))));
        assertTrue(
            registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/nvidia/model/a*", "true")))
        );
        assertTrue(
            registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/nvidia/model/*100", "true")))
        );
        assertTrue(
            registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/nvidia/model/a100*", "true")))
        );
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/amd/model/*", "true"))));
        assertFalse(
            registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/nvidia/model/*", "false")))
        );
        assertFalse(
            registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/nvidia/model/h*", "true")))
        );
    }

    function test_matchesPlacement_wildcardDoesNotCrossSlash() public {
        _register(p1, _attrs2("capabilities/gpu/x/vendor", "true", GPU_KEY, "true"));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("capabilities/*/vendor", "true"))));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("capabilities/*", "true"))));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("*", "true"))));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("capabilities/gpu/vendor/*", "true"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("capabilities/*/*/vendor", "true"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("*/*/*/vendor", "true"))));
    }

    function test_matchesPlacement_wildcardMatchesEmptyRun() public {
        _register(p1, _attrs1("region", "eu"));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("region*", "eu"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("*region", "eu"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("re*gion", "eu"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("**", "eu"))));
    }

    function test_matchesPlacement_wildcardPicksAnyKeyWithTheValue() public {
        _register(p1, _attrs2("gpu/model/a100", "false", "gpu/model/h100", "true"));
        // Some key matching the glob must carry the required value; here h100 does.
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("gpu/model/*", "true"))));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1("gpu/model/*", "false"))));
        assertFalse(registry.matchesPlacement(p1, _placement(_attrs1("gpu/model/*", "maybe"))));
    }

    // ---- matchesPlacement: auditors ----

    function test_matchesPlacement_allOfNeedsEverySigner() public {
        _register(p1, _attrs1("region", "eu"));
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs2("region", "eu", "tier", "1"));
        vm.prank(auditor2);
        registry.signAttributes(p1, _attrs1("region", "eu"));

        IProviderRegistry.Placement memory placement = _placement(_attrs1("region", "eu"));
        placement.allOf = _addrs2(auditor1, auditor2);
        assertTrue(registry.matchesPlacement(p1, placement));

        // auditor2 signed no tier: allOf fails even though auditor1 did.
        placement.attributes = _attrs2("region", "eu", "tier", "1");
        assertFalse(registry.matchesPlacement(p1, placement));
        placement.allOf = _addrs1(auditor1);
        assertTrue(registry.matchesPlacement(p1, placement));

        // auditor3 signed nothing.
        placement.attributes = _attrs1("region", "eu");
        placement.allOf = _addrs2(auditor1, auditor3);
        assertFalse(registry.matchesPlacement(p1, placement));
    }

    function test_matchesPlacement_auditorsIgnoreProviderOwnAttributes() public {
        _register(p1, _attrs1("tier", "1")); // self-declared only
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("region", "eu"));

        IProviderRegistry.Placement memory placement = _placement(_attrs1("tier", "1"));
        assertTrue(registry.matchesPlacement(p1, placement));
        placement.allOf = _addrs1(auditor1);
        assertFalse(registry.matchesPlacement(p1, placement));
        placement.anyOf = _addrs1(auditor1);
        placement.allOf = new address[](0);
        assertFalse(registry.matchesPlacement(p1, placement));
    }

    function test_matchesPlacement_anyOfNeedsOneSigner() public {
        _register(p1, _none());
        vm.prank(auditor2);
        registry.signAttributes(p1, _attrs1(GPU_KEY, "true"));

        IProviderRegistry.Placement memory placement =
            _placement(_attrs1("capabilities/gpu/vendor/nvidia/model/*", "true"));
        placement.anyOf = _addrs3(auditor1, auditor2, auditor3);
        assertTrue(registry.matchesPlacement(p1, placement));

        placement.anyOf = _addrs2(auditor1, auditor3);
        assertFalse(registry.matchesPlacement(p1, placement));
    }

    function test_matchesPlacement_allOfAndAnyOfTogether() public {
        _register(p1, _none());
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs2("region", "eu", "tier", "1"));
        vm.prank(auditor2);
        registry.signAttributes(p1, _attrs1("region", "eu"));

        IProviderRegistry.Placement memory placement = _placement(_attrs1("region", "eu"));
        placement.allOf = _addrs1(auditor1);
        placement.anyOf = _addrs2(auditor3, auditor2);
        assertTrue(registry.matchesPlacement(p1, placement));

        // allOf holds but no anyOf auditor signed.
        placement.anyOf = _addrs1(auditor3);
        assertFalse(registry.matchesPlacement(p1, placement));

        // anyOf holds but an allOf auditor did not sign.
        placement.allOf = _addrs2(auditor1, auditor3);
        placement.anyOf = _addrs1(auditor2);
        assertFalse(registry.matchesPlacement(p1, placement));
    }

    function test_matchesPlacement_revokedSignatureStopsMatching() public {
        _register(p1, _none());
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("region", "eu"));
        IProviderRegistry.Placement memory placement = _placement(_attrs1("region", "eu"));
        placement.allOf = _addrs1(auditor1);
        assertTrue(registry.matchesPlacement(p1, placement));
        vm.prank(auditor1);
        registry.revokeAttributes(p1);
        assertFalse(registry.matchesPlacement(p1, placement));
    }

    /// @dev "Audited by X" with no attribute requirement: X must actually have signed something.
    function test_matchesPlacement_emptyRequirementsStillNeedAuditorSignature() public {
        _register(p1, _attrs1("region", "eu"));
        IProviderRegistry.Placement memory placement = _placement(_none());
        placement.allOf = _addrs1(auditor1);
        assertFalse(registry.matchesPlacement(p1, placement));
        placement.allOf = new address[](0);
        placement.anyOf = _addrs1(auditor1);
        assertFalse(registry.matchesPlacement(p1, placement));

        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("audited", "true"));
        assertTrue(registry.matchesPlacement(p1, placement));
        placement.anyOf = new address[](0);
        placement.allOf = _addrs1(auditor1);
        assertTrue(registry.matchesPlacement(p1, placement));

        // Signing an empty set is the same as not signing.
        vm.prank(auditor1);
        registry.signAttributes(p1, _none());
        assertFalse(registry.matchesPlacement(p1, placement));
        vm.prank(auditor1);
        registry.revokeAttributes(p1);
        assertFalse(registry.matchesPlacement(p1, placement));
    }

    function test_matchesPlacement_signaturesArePerProvider() public {
        _register(p1, _none());
        _register(p2, _none());
        vm.prank(auditor1);
        registry.signAttributes(p1, _attrs1("region", "eu"));
        IProviderRegistry.Placement memory placement = _placement(_attrs1("region", "eu"));
        placement.anyOf = _addrs1(auditor1);
        assertTrue(registry.matchesPlacement(p1, placement));
        assertFalse(registry.matchesPlacement(p2, placement));
    }

    // ---- glob matcher vs a reference implementation ----

    /// @dev Random pattern and key over {a, b, /, *}: the registry agrees with `_refMatch`.
    function testFuzz_matchesPlacement_globAgreesWithReference(uint256 patternSeed, uint256 keySeed) public {
        bytes memory pattern = _randomString(patternSeed, 0, 8);
        bytes memory key = _randomString(keySeed, 1, 8);
        _register(p1, _attrs1(string(key), "v"));
        bool expected = _refMatch(pattern, 0, key, 0);
        assertEq(registry.matchesPlacement(p1, _placement(_attrs1(string(pattern), "v"))), expected);
    }

    /// @dev Keys built from the pattern by expanding each `*` to a random run without `/` always
    ///      match (random pairs rarely do, so this covers the positive side).
    function testFuzz_matchesPlacement_globMatchesItsExpansions(uint256 patternSeed, uint256 fillSeed) public {
        bytes memory pattern = _randomString(patternSeed, 1, 8);
        bytes memory key;
        for (uint256 i; i < pattern.length; ++i) {
            if (pattern[i] == "*") {
                fillSeed = uint256(keccak256(abi.encode(fillSeed)));
                uint256 run = fillSeed % 4;
                for (uint256 j; j < run; ++j) {
                    // a, b or a literal '*' in the key: anything but '/'
                    key = bytes.concat(key, bytes1(bytes3("ab*")[(fillSeed >> (8 + 8 * j)) % 3]));
                }
            } else {
                key = bytes.concat(key, pattern[i]);
            }
        }
        vm.assume(key.length > 0);
        assertTrue(_refMatch(pattern, 0, key, 0));
        _register(p1, _attrs1(string(key), "v"));
        assertTrue(registry.matchesPlacement(p1, _placement(_attrs1(string(pattern), "v"))));
    }

    /// @dev Sanity checks of the reference itself.
    function test_refMatch_knownCases() public pure {
        assertTrue(_refMatch("a*b", 0, "axxb", 0));
        assertTrue(_refMatch("*", 0, "", 0));
        assertTrue(_refMatch("a/*", 0, "a/", 0));
        assertFalse(_refMatch("*", 0, "a/b", 0));
        assertFalse(_refMatch("a*", 0, "a/b", 0));
        assertTrue(_refMatch("*/*", 0, "a/b", 0));
        assertFalse(_refMatch("*/b", 0, "a/c/b", 0));
        assertTrue(_refMatch("*a*b", 0, "xaab", 0));
    }

    /// @dev Go's filepath.Match restricted to `*`: `*` matches any run of bytes but `/`.
    function _refMatch(bytes memory p, uint256 i, bytes memory t, uint256 j) internal pure returns (bool) {
        if (i == p.length) return j == t.length;
        if (p[i] == "*") {
            if (_refMatch(p, i + 1, t, j)) return true;
            return j < t.length && t[j] != "/" && _refMatch(p, i, t, j + 1);
        }
        return j < t.length && p[i] == t[j] && _refMatch(p, i + 1, t, j + 1);
    }

    function _randomString(uint256 seed, uint256 minLength, uint256 maxLength) internal pure returns (bytes memory s) {
        uint256 length = bound(seed, minLength, maxLength);
        seed = uint256(keccak256(abi.encode(seed)));
        s = new bytes(length);
        bytes4 alphabet = "ab/*";
        for (uint256 i; i < length; ++i) {
            s[i] = alphabet[(seed >> (2 * i)) & 3];
        }
    }

    // ---- helpers ----

    function _fundAndStake(address account, uint256 amount) internal {
        vm.prank(bank);
        token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(staking), amount);
        staking.stake(PROVIDER, amount);
        vm.stopPrank();
    }

    function _register(address provider, IProviderRegistry.Attribute[] memory attrs) internal {
        vm.prank(provider);
        registry.register(HOST, attrs);
    }

    function _placement(IProviderRegistry.Attribute[] memory attrs)
        internal
        pure
        returns (IProviderRegistry.Placement memory placement)
    {
        placement.attributes = attrs;
    }

    function _none() internal pure returns (IProviderRegistry.Attribute[] memory) {
        return new IProviderRegistry.Attribute[](0);
    }

    function _attrs1(string memory k, string memory v) internal pure returns (IProviderRegistry.Attribute[] memory a) {
        a = new IProviderRegistry.Attribute[](1);
        a[0] = IProviderRegistry.Attribute(k, v);
    }

    function _attrs2(string memory k0, string memory v0, string memory k1, string memory v1)
        internal
        pure
        returns (IProviderRegistry.Attribute[] memory a)
    {
        a = new IProviderRegistry.Attribute[](2);
        a[0] = IProviderRegistry.Attribute(k0, v0);
        a[1] = IProviderRegistry.Attribute(k1, v1);
    }

    function _attrs3(
        string memory k0,
        string memory v0,
        string memory k1,
        string memory v1,
        string memory k2,
        string memory v2
    ) internal pure returns (IProviderRegistry.Attribute[] memory a) {
        a = new IProviderRegistry.Attribute[](3);
        a[0] = IProviderRegistry.Attribute(k0, v0);
        a[1] = IProviderRegistry.Attribute(k1, v1);
        a[2] = IProviderRegistry.Attribute(k2, v2);
    }

    function _many(uint256 n) internal pure returns (IProviderRegistry.Attribute[] memory a) {
        a = new IProviderRegistry.Attribute[](n);
        for (uint256 i; i < n; ++i) {
            a[i] = IProviderRegistry.Attribute(string.concat("key", vm.toString(i)), "v");
        }
    }

    function _addrs1(address a0) internal pure returns (address[] memory a) {
        a = new address[](1);
        a[0] = a0;
    }

    function _addrs2(address a0, address a1) internal pure returns (address[] memory a) {
        a = new address[](2);
        a[0] = a0;
        a[1] = a1;
    }

    function _addrs3(address a0, address a1, address a2) internal pure returns (address[] memory a) {
        a = new address[](3);
        a[0] = a0;
        a[1] = a1;
        a[2] = a2;
    }

    function _repeat(string memory unit, uint256 n) internal pure returns (string memory s) {
        bytes memory out = new bytes(n * bytes(unit).length);
        for (uint256 i; i < n; ++i) {
            for (uint256 j; j < bytes(unit).length; ++j) {
                out[i * bytes(unit).length + j] = bytes(unit)[j];
            }
        }
        s = string(out);
    }
}
