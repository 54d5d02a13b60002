import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { WagmiProvider } from "wagmi";
import { App } from "./App";
import { loadConfig, setConfig } from "./config";
import "./style.css";
import { makeWagmiConfig } from "./wallet";

const root = createRoot(document.getElementById("root") as HTMLElement);

loadConfig().then(
  (cfg) => {
    setConfig(cfg);
    const wagmiConfig = makeWagmiConfig(cfg);
    const queryClient = new QueryClient();
    root.render(
      <StrictMode>
        <WagmiProvider config={wagmiConfig}>
          <QueryClientProvider client={queryClient}>
            <BrowserRouter>
              <App />
            </BrowserRouter>
          </QueryClientProvider>
        </WagmiProvider>
      </StrictMode>,
    );
  },
  (err: unknown) => {
    root.render(
      <div className="error" role="alert">
        The console could not start: {String(err)}. Is `noos console` still running?
      </div>,
    );
  },
);
