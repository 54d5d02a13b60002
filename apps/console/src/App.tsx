import { useState } from "react";
import { NavLink, Route, Routes, useNavigate } from "react-router";
import { Account } from "./pages/Account";
import { JobDetail, Jobs } from "./pages/Jobs";
import { Models } from "./pages/Models";
import { Overview } from "./pages/Overview";
import { ProviderDetail, Providers } from "./pages/Providers";
import { Search } from "./pages/Search";
import { SubnetDetail, Subnets } from "./pages/Subnets";
import { WalletButton } from "./wallet";

const nav = [
  ["/", "Overview"],
  ["/jobs", "Jobs"],
  ["/providers", "Providers"],
  ["/models", "Models & proofs"],
  ["/subnets", "Subnets"],
  ["/account", "Account"],
] as const;

function SearchBox() {
  const [q, setQ] = useState("");
  const navigate = useNavigate();
  return (
    <form
      className="search"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(`/search?q=${encodeURIComponent(q.trim())}`);
      }}
    >
      <input
        aria-label="search"
        placeholder="address, order, lease, model, tx"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
    </form>
  );
}

export function App() {
  return (
    <div className="layout">
      <nav className="topnav">
        <span className="brand">Noosphere</span>
        {nav.map(([to, label]) => (
          <NavLink key={to} to={to} end={to === "/"}>
            {label}
          </NavLink>
        ))}
        <SearchBox />
        <WalletButton />
      </nav>
      <main>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/jobs" element={<Jobs />} />
          <Route path="/jobs/:id" element={<JobDetail />} />
          <Route path="/providers" element={<Providers />} />
          <Route path="/providers/:address" element={<ProviderDetail />} />
          <Route path="/models" element={<Models />} />
          <Route path="/subnets" element={<Subnets />} />
          <Route path="/subnets/:id" element={<SubnetDetail />} />
          <Route path="/account" element={<Account />} />
          <Route path="/search" element={<Search />} />
          <Route path="*" element={<p className="error">No page here.</p>} />
        </Routes>
      </main>
    </div>
  );
}
